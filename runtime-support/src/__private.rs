//! What generated code calls. Not a public API: names and signatures change without notice.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::bulkhead::{Bulkhead, Permit};
use crate::duration::DisplayDuration;
use crate::error::Error;

pub use core::result::Result::{Err, Ok};

pub use crate::describe::{Describe, DescribeDebug, DescribeDisplay, DescribeOther, Described};
pub use crate::meta::Meta;
pub use crate::rerun::{RerunArg, rerun_arg};
pub use crate::signature::{CarriesError, ResultLike, fail, flatten};

// ---------------------------------------------------------------------------------------------
// #[bounded]

/// Waits for a permit of `bulkhead` (the fast path takes a free one without a clock read).
#[inline]
pub async fn acquire(bulkhead: &'static Bulkhead, meta: &'static Meta) -> Permit<'static> {
    if let Some(permit) = bulkhead.try_acquire() {
        return permit;
    }
    let started = tokio::time::Instant::now();
    let permit = bulkhead.wait_for_permit().await;
    waited(bulkhead, meta, started.elapsed());
    permit
}

/// Like [`acquire`], but gives up after `wait` with [`Error::Rejected`] (`wait` zero: at once).
#[inline]
pub async fn acquire_within(
    bulkhead: &'static Bulkhead,
    meta: &'static Meta,
    wait: Duration,
) -> Result<Permit<'static>, Error> {
    if let Some(permit) = bulkhead.try_acquire() {
        return Ok(permit);
    }
    let started = tokio::time::Instant::now();
    let acquired = if wait.is_zero() {
        None
    } else {
        tokio::time::timeout(wait, bulkhead.wait_for_permit())
            .await
            .ok()
    };
    match acquired {
        Some(permit) => {
            waited(bulkhead, meta, started.elapsed());
            Ok(permit)
        }
        None => Err(rejected(bulkhead, meta, started.elapsed())),
    }
}

#[cold]
fn waited(bulkhead: &Bulkhead, meta: &Meta, waited: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        waited = %DisplayDuration(waited),
        limit = bulkhead.limit(),
        "waited for a permit"
    );
}

#[cold]
fn rejected(bulkhead: &Bulkhead, meta: &'static Meta, waited: Duration) -> Error {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = bulkhead.limit(),
        in_flight = bulkhead.in_flight(),
        waited = %DisplayDuration(waited),
        "rejected: no permit free"
    );
    Error::rejected(meta.function, bulkhead.limit(), waited)
}

// ---------------------------------------------------------------------------------------------
// #[with_timeout]

/// Runs `fut` with a deadline of `limit` from now; at the deadline `fut` is dropped.
#[inline]
pub fn timeout<F: Future>(meta: &'static Meta, limit: Duration, fut: F) -> Timeout<F> {
    Timeout {
        inner: tokio::time::timeout(limit, fut),
        meta,
        limit,
    }
}

pin_project_lite::pin_project! {
    /// The future of a `#[with_timeout]` call: tokio's `Timeout`, with the failure as an [`Error`].
    /// A named future rather than an `async fn`, so that the body's future is stored once, inline.
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        meta: &'static Meta,
        limit: Duration,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(output)) => Poll::Ready(Ok(output)),
            Poll::Ready(Err(_elapsed)) => Poll::Ready(Err(timed_out(this.meta, *this.limit))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cold]
fn timed_out(meta: &'static Meta, limit: Duration) -> Error {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = %DisplayDuration(limit),
        "timed out"
    );
    Error::timeout(meta.function, limit)
}

// ---------------------------------------------------------------------------------------------
// #[graceful] and #[supervised]

pub use crate::shutdown::{Shutdown, graceful};
pub use crate::supervise::{Backoff, Panic, RestartBudget, SupervisePolicy, Supervisor};
