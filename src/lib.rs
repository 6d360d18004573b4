#![doc = include_str!("docs/lib.md")]
#![doc = include_str!("docs/expand/bounded_with_timeout.md")]
#![doc = include_str!("docs/lib2.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as taskward;

#[doc = include_str!("docs/attributes/bounded.md")]
#[doc = include_str!("docs/expand/bounded.md")]
#[doc(inline)]
pub use taskward_macros::bounded;

#[doc = include_str!("docs/attributes/with_timeout.md")]
#[doc = include_str!("docs/expand/with_timeout.md")]
#[doc(inline)]
pub use taskward_macros::with_timeout;

#[doc = include_str!("docs/attributes/supervised.md")]
#[doc = include_str!("docs/expand/graceful_supervised.md")]
#[doc(inline)]
pub use taskward_macros::supervised;

#[doc = include_str!("docs/attributes/graceful.md")]
#[doc(inline)]
pub use taskward_macros::graceful;

pub use taskward_runtime::{Bulkhead, DrainReport, Error, Permit, Shutdown};

#[doc(hidden)]
pub use taskward_runtime::__private;
