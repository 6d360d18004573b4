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
    pub use crate::with_timeout::{Timeout, deadline, timeout, timeout_at};
}

/// `#[graceful]`: each call tracked by a `Shutdown` coordinator.
pub mod graceful {
    pub use crate::graceful::{Graceful, graceful};
}

/// `#[supervised]`: a call whose body runs again after it fails, within a restart budget.
pub mod supervised {
    pub use crate::supervised::{SupervisePolicy, Supervisor};
}

/// `fallback = path`: the failure as the fallback takes it (the body's copies of the arguments are
/// `rerun_arg`'s).
pub mod fallback {
    pub use crate::signature::fallback_error as error;
}

/// `#[blocking]`: the body of a plain `fn` run on tokio's blocking pool.
pub mod blocking {
    pub use crate::blocking::{Blocking, BlockingArg, BlockingOutput, arg, arg_value, run};
}

/// `#[retry]`: a call whose body runs again after an `Err`, within its attempts, its time cap and
/// the function's retry budget.
pub mod retry {
    pub use crate::retry::{Outcome, Retry, RetryBudget, RetryPolicy, failure, when};
}

/// `#[rate_limited]`: a slot of the function's rate limit for each call.
pub mod rate_limited {
    pub use crate::rate_limited::{
        RateLimitSource, UnsignedCalls, acquire, acquire_within, calls, handle, rejected, unsigned,
    };
}

/// `#[circuit_breaker]`: each call admitted or refused by a breaker, and its outcome recorded.
pub mod circuit_breaker {
    pub use crate::circuit_breaker::{BreakerSource, Predicate, Site, body_error, call, handle};
}

/// `#[bounded(adaptive)]`: a permit of the function's adaptive bulkhead for each call, and the
/// call's outcome reported with it.
pub mod bounded_adaptive {
    pub use crate::bounded::adaptive::{AdaptiveSource, acquire, acquire_within, handle};
}

/// `#[hedged]`: the runs of a call, started one after another while none has finished, the first
/// to finish taken.
pub mod hedged {
    pub use crate::hedged::{After, End, HedgePolicy, Histogram, Slot, hedged};
}

/// Fault injection: the hook at the start of each run of the body.
#[cfg(feature = "fault-injection")]
pub mod faults {
    pub use crate::faults::{
        Inject, InjectFail, InjectPanic, before, before_blocking, before_blocking_infallible,
        before_infallible,
    };
}

/// Metrics: the count of calls, at the start of each call.
pub mod metrics {
    pub use crate::metrics::call;
}

/// `#[coalesce]`: concurrent calls with equal keys share one run of the body.
pub mod coalesce {
    pub use crate::coalesce::{Join, Key, KeyArg, Output, Part, Registry, join, key_arg};
}
