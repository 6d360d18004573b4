//! Attribute macros for async functions on tokio.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as taskward;

pub use taskward_macros::{bounded, graceful, supervised, with_timeout};
pub use taskward_runtime::{Bulkhead, DrainReport, Error, Permit, Shutdown};

#[doc(hidden)]
pub use taskward_runtime::__private;
