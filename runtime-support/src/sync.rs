//! The atomics of the synchronous cores that loom checks (`shutdown/state.rs`, the shutdown
//! protocol; `circuit_breaker/state.rs` and `word.rs`, the breaker's state machine;
//! `rate_limited/gcra.rs`, the rate limit's): the standard ones, or
//! loom's model-checked ones when tests are built with `RUSTFLAGS="--cfg taskward_loom"`.
//!
//! `taskward_loom`, not the usual `loom`: `RUSTFLAGS` reaches every crate of the build, and tokio
//! reads `cfg(loom)` as its own (it leaves `tokio::signal` out, which `Shutdown::on_signals`
//! uses); a cfg of our own leaves the dependencies as they are.
//!
//! `all(test, ..)`, as in tokio: loom is a dev-dependency, so only a test build can name it. The
//! library that a test links is built without `cfg(test)` and keeps the standard atomics;
//! `tests/loom_shutdown.rs`, `tests/loom_breaker.rs` and `tests/loom_rate_limit.rs` compile this
//! file and their core
//! themselves, and so get loom's. With the cfg, run those tests only: loom's atomics work only
//! inside a loom model.
//!
//! Each model uses only part of this file: the rest is allowed to be unused there.

pub(crate) mod atomic {
    #[cfg(all(test, taskward_loom))]
    #[allow(unused_imports)]
    pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize};

    #[cfg(not(all(test, taskward_loom)))]
    #[allow(unused_imports)]
    pub(crate) use core::sync::atomic::{AtomicU64, AtomicUsize};
}

/// `N` atomics at zero: in a `const fn` in the library, built one by one under loom, whose
/// atomics have no `const` constructor.
#[cfg(not(all(test, taskward_loom)))]
#[allow(dead_code)]
pub(crate) const fn zeroed<const N: usize>() -> [atomic::AtomicU64; N] {
    [const { atomic::AtomicU64::new(0) }; N]
}

/// `N` atomics at zero (loom's).
#[cfg(all(test, taskward_loom))]
#[allow(dead_code)]
pub(crate) fn zeroed<const N: usize>() -> [atomic::AtomicU64; N] {
    core::array::from_fn(|_| atomic::AtomicU64::new(0))
}

/// Declares a `const fn` in the library, and the same function as a plain `fn` under loom, whose
/// atomics have no `const` constructor: for the constructors of the cores, which the library
/// calls in `static`s.
#[allow(unused_macros)]
macro_rules! const_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(all(test, taskward_loom)))]
        $(#[$attr])* $vis const fn $($rest)*

        #[cfg(all(test, taskward_loom))]
        $(#[$attr])* $vis fn $($rest)*
    };
}

#[allow(unused_imports)]
pub(crate) use const_unless_loom;
