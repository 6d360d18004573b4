//! `#[with_timeout]`: a deadline for each call, failing with [`Error::Timeout`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use tokio::time::Instant;

use crate::duration::{DisplayDuration, instant_after};
use crate::error::Error;
use crate::meta::Meta;

/// Runs `fut` with a deadline of `limit` from now; at the deadline `fut` is dropped.
#[inline]
pub fn timeout<F: Future>(meta: &'static Meta, limit: Duration, fut: F) -> Timeout<F> {
    Timeout {
        inner: tokio::time::timeout(limit, fut),
        meta,
        limit,
    }
}

/// The deadline of a call that starts now with `limit`: what [`timeout_at`] takes, and what a
/// `#[retry]` below the `#[with_timeout]` in the same stack reads so that its backoff never
/// sleeps past it.
#[inline]
#[must_use]
pub fn deadline(limit: Duration) -> Instant {
    instant_after(Instant::now(), limit)
}

/// [`timeout`] with its deadline computed beforehand by [`deadline`]: the same future.
#[inline]
pub fn timeout_at<F: Future>(
    meta: &'static Meta,
    deadline: Instant,
    limit: Duration,
    fut: F,
) -> Timeout<F> {
    Timeout {
        inner: tokio::time::timeout_at(deadline, fut),
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
    crate::metrics::timed_out(meta);
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = %DisplayDuration(limit),
        "timed out"
    );
    Error::timeout(meta.function, limit)
}
