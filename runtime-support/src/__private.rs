//! What generated code calls. Not a public API: names and signatures change without notice.

pub use core::result::Result::{Err, Ok};

pub use crate::describe::{Describe, DescribeDebug, DescribeDisplay, DescribeOther, Described};
pub use crate::meta::Meta;
pub use crate::rerun::{RerunArg, rerun_arg};
pub use crate::signature::{CarriesError, ResultLike, fail, flatten};

pub use crate::bounded::{acquire, acquire_within};
pub use crate::with_timeout::{Timeout, timeout};

// ---------------------------------------------------------------------------------------------
// #[graceful] and #[supervised]

pub use crate::backoff::Backoff;
pub use crate::catch_panic::Panic;
pub use crate::graceful::graceful;
pub use crate::restart_window::RestartBudget;
pub use crate::shutdown::Shutdown;
pub use crate::supervised::{SupervisePolicy, Supervisor};
