//! What generated code calls. Not a public API: names and signatures change without notice.
//!
//! The support that several attributes share is at the top; what one attribute alone calls is in
//! the module named after it.

pub use core::result::Result::{Err, Ok};

pub use crate::backoff::Backoff;
pub use crate::catch_panic::{CatchPanic, Panic};
pub use crate::describe::{Describe, DescribeDebug, DescribeDisplay, DescribeOther, Described};
pub use crate::meta::Meta;
pub use crate::rerun::{RerunArg, RerunNested, rerun_arg, rerun_nested};
pub use crate::restart_window::RestartBudget;
pub use crate::signature::{
    CarriesError, NamedResult, PlainCheck, PlainOutput, ResultLike, fail, flatten,
};

/// `#[bounded]`: a permit of the function's bulkhead for each call.
pub mod bounded {
    pub use crate::bounded::{
        BulkheadSource, UnsignedLimit, acquire, acquire_within, handle, limit,
    };
}

/// `#[with_timeout]`: a deadline for each call.
pub mod with_timeout {
    pub use crate::with_timeout::{Timeout, timeout};
}

/// `#[graceful]`: each call tracked by a `Shutdown` coordinator.
pub mod graceful {
    pub use crate::graceful::{Graceful, graceful};
}

/// `#[supervised]`: a call whose body runs again after it fails, within a restart budget.
pub mod supervised {
    pub use crate::supervised::{SupervisePolicy, Supervisor};
}

/// `#[circuit_breaker]`: each call admitted or refused by a breaker, and its outcome recorded.
pub mod circuit_breaker {
    pub use crate::circuit_breaker::{BreakerSource, Predicate, Site, body_error, call, handle};
}
