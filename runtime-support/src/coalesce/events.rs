//! The tracing events of `#[coalesce]`, out of the way of the calls (`#[cold]`).

use crate::catch_panic::Panic;
use crate::meta::Meta;

#[cold]
pub(super) fn joined(meta: &'static Meta, callers: usize) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        callers,
        "joined the run in flight"
    );
}

#[cold]
pub(super) fn panicked(meta: &'static Meta, panic: &Panic, callers: usize) {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        callers,
        message = panic.message(),
        "panicked: every caller of the run fails with Error::Panicked"
    );
}

#[cold]
pub(super) fn abandoned(meta: &'static Meta) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        "the last caller left: the run is dropped"
    );
}
