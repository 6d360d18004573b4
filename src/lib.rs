#![forbid(unsafe_code)]
pub use taskward_macros::*;
pub use taskward_runtime::{Bulkhead, Error, Permit};
#[doc(hidden)]
pub use taskward_runtime::__private;
