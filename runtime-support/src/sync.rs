//! The atomics of the shutdown protocol's core (`shutdown/state.rs`) and of the rate limit's
//! (`rate_limited/gcra.rs`): the standard ones, or loom's model-checked ones when tests are built
//! with `RUSTFLAGS="--cfg taskward_loom"`.
//!
//! `taskward_loom`, not the usual `loom`: `RUSTFLAGS` reaches every crate of the build, and tokio
//! reads `cfg(loom)` as its own (it leaves `tokio::signal` out, which `Shutdown::on_signals`
//! uses); a cfg of our own leaves the dependencies as they are.
//!
//! `all(test, ..)`, as in tokio: loom is a dev-dependency, so only a test build can name it. The
//! library that a test links is built without `cfg(test)` and keeps the standard atomics;
//! `tests/loom_shutdown.rs` (and `tests/loom_rate_limit.rs`) compiles this file and the core itself,
//! and so gets loom's. With the cfg, run those tests only: loom's atomics work only inside a loom
//! model.

// Each model-checked test compiles this file with one of the cores, which uses one of the types.
#[allow(unused_imports)]
pub(crate) mod atomic {
    #[cfg(all(test, taskward_loom))]
    pub(crate) use loom::sync::atomic::AtomicUsize;

    #[cfg(not(all(test, taskward_loom)))]
    pub(crate) use core::sync::atomic::AtomicUsize;

    #[cfg(all(test, taskward_loom))]
    pub(crate) use loom::sync::atomic::AtomicU64;

    #[cfg(not(all(test, taskward_loom)))]
    pub(crate) use core::sync::atomic::AtomicU64;
}
