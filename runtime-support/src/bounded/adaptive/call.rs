//! What generated code calls for `#[bounded(adaptive)]`: a permit of the function's adaptive
//! bulkhead for each call (waiting, or giving up after `wait`), and the bulkhead that
//! `in = EXPR` names.

use core::time::Duration;

use tokio::time::Instant;

use super::{AdaptiveBulkhead, AdaptivePermit};
use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;

/// Waits for a permit of `bulkhead` (the fast path takes a free one at once).
#[inline]
pub async fn acquire<'a>(
    bulkhead: &'a AdaptiveBulkhead,
    meta: &'static Meta,
) -> AdaptivePermit<'a> {
    if let Some(permit) = bulkhead.try_permit(meta) {
        return permit.taken(Duration::ZERO);
    }
    let started = Instant::now();
    let permit = bulkhead.wait_for_permit(meta).await;
    waited(bulkhead, meta, started.elapsed());
    permit.taken(started.elapsed())
}

/// Like [`acquire`], but gives up after `wait` with [`Error::Rejected`] (`wait` zero: at once).
#[inline]
pub async fn acquire_within<'a>(
    bulkhead: &'a AdaptiveBulkhead,
    meta: &'static Meta,
    wait: Duration,
) -> Result<AdaptivePermit<'a>, Error> {
    if let Some(permit) = bulkhead.try_permit(meta) {
        return Ok(permit.taken(Duration::ZERO));
    }
    let started = Instant::now();
    let acquired = if wait.is_zero() {
        None
    } else {
        tokio::time::timeout(wait, bulkhead.wait_for_permit(meta))
            .await
            .ok()
    };
    match acquired {
        Some(permit) => {
            waited(bulkhead, meta, started.elapsed());
            Ok(permit.taken(started.elapsed()))
        }
        None => Err(rejected(bulkhead, meta, started.elapsed())),
    }
}

#[cold]
fn waited(bulkhead: &AdaptiveBulkhead, meta: &Meta, waited: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        waited = %DisplayDuration(waited),
        limit = bulkhead.limit(),
        "waited for a permit"
    );
}

#[cold]
fn rejected(bulkhead: &AdaptiveBulkhead, meta: &'static Meta, waited: Duration) -> Error {
    crate::metrics::rejected(meta, crate::metrics::Rejection::Bulkhead);
    let limit = bulkhead.limit();
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit,
        in_flight = bulkhead.in_flight(),
        waited = %DisplayDuration(waited),
        "rejected: no permit free"
    );
    Error::rejected(meta.function, limit, waited)
}

/// What `#[bounded(adaptive, in = EXPR)]` takes: a `&AdaptiveBulkhead` (borrowed for the call) or a
/// `&Arc<AdaptiveBulkhead>` (cloned, so the call borrows nothing).
#[diagnostic::on_unimplemented(
    message = "`in = ...` of #[bounded(adaptive)] takes a `&AdaptiveBulkhead` or a `&Arc<AdaptiveBulkhead>`, not `{Self}`",
    label = "this is not an adaptive bulkhead",
    note = "share a `static POOL: AdaptiveBulkhead` with `in = POOL`, or one of your own with `in = &self.pool`; a fixed `Bulkhead` is shared with `#[bounded(in = ..)]`, without `adaptive`"
)]
pub trait AdaptiveSource<'a> {
    /// Takes the handle.
    fn handle(self) -> Handle<'a>;
}

impl<'a> AdaptiveSource<'a> for &'a AdaptiveBulkhead {
    #[inline]
    fn handle(self) -> Handle<'a> {
        Handle::Borrowed(self)
    }
}

impl AdaptiveSource<'static> for &std::sync::Arc<AdaptiveBulkhead> {
    #[inline]
    fn handle(self) -> Handle<'static> {
        Handle::Shared(std::sync::Arc::clone(self))
    }
}

/// The adaptive bulkhead of `in = EXPR` for one call: the reference, or a clone of the `Arc`.
pub type Handle<'a> = crate::handle::Handle<'a, AdaptiveBulkhead>;

/// The adaptive bulkhead of `in = EXPR`, for one call.
#[inline]
pub fn handle<'a, S: AdaptiveSource<'a>>(source: S) -> Handle<'a> {
    source.handle()
}
