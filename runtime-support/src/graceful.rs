//! `#[graceful]`: a call tracked by a [`Shutdown`] coordinator, refused once shutdown has begun,
//! cancelled when it begins (`cancel`) or at the grace deadline of [`Shutdown::drain`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use tokio_util::sync::WaitForCancellationFuture;

use crate::error::Error;
use crate::meta::Meta;
use crate::shutdown::{Shutdown, Tracked};

/// Runs `fut` as a call tracked by `shutdown` (what `#[graceful]` expands to).
///
/// Refused with [`Error::ShuttingDown`] once shutdown has begun (the body never starts); otherwise
/// run, and dropped with [`Error::Cancelled`] as soon as shutdown begins (`cancel`) or at the grace
/// deadline of [`Shutdown::drain`] (not `cancel`). With `cancel`, the body is not polled again once
/// shutdown has begun, even when it was woken at the same time. No allocation; `Send` when `F` is. The body is
/// dropped before the call is counted as ended; a body that panics counts as finished.
///
/// # Errors
///
/// [`Error::ShuttingDown`] when refused, [`Error::Cancelled`] when cancelled.
pub fn graceful<'a, F: Future>(
    shutdown: &'a Shutdown,
    meta: &'static Meta,
    cancel: bool,
    fut: F,
) -> Graceful<'a, F> {
    let inner = &*shutdown.inner;
    let tracked = inner.enter();
    let token = if cancel { &inner.soft } else { &inner.hard };
    Graceful {
        refused: tracked.is_none(),
        body: tracked.is_some().then_some(fut),
        cancelled: token.cancelled(),
        tracked,
        meta,
        cancel,
    }
}

pin_project_lite::pin_project! {
    /// The future of a `#[graceful]` call: the body, raced against its cancellation. A named
    /// future rather than an `async fn`, so that the body's future is stored once, inline.
    #[must_use = "futures do nothing unless polled"]
    pub struct Graceful<'a, F> {
        // Declared before `tracked`, so dropped before it, on every path (unwinding included).
        #[pin]
        body: Option<F>,
        #[pin]
        cancelled: WaitForCancellationFuture<'a>,
        tracked: Option<Tracked<'a>>,
        refused: bool,
        meta: &'static Meta,
        cancel: bool,
    }
}

impl<F: Future> Future for Graceful<'_, F> {
    type Output = Result<F::Output, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let function = this.meta.function;
        // With `cancel`, the cancellation is looked at first: once shutdown has begun, the body is
        // never resumed (it would run on to its next `.await`, e.g. take a job out of a queue, and
        // be dropped there). Without it, the body goes first: a call that can finish does.
        if *this.cancel && this.tracked.is_some() && this.cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(cancel(this.body, this.tracked, function, true)));
        }
        let (Some(tracked), Some(body)) = (this.tracked.as_mut(), this.body.as_mut().as_pin_mut())
        else {
            assert!(*this.refused, "`Graceful` polled after it completed");
            tracing::debug!(target: "taskward", function, "refused: shutting down");
            crate::metrics::rejected(this.meta, crate::metrics::Rejection::ShuttingDown);
            return Poll::Ready(Err(Error::shutting_down(function)));
        };
        // If the body panics, `tracked` is dropped while unwinding with `finished` set.
        tracked.finished = true;
        let polled = body.poll(cx);
        tracked.finished = false;
        if let Poll::Ready(output) = polled {
            this.body.set(None);
            tracked.finished = true;
            *this.tracked = None;
            return Poll::Ready(Ok(output));
        }
        // With `cancel`, the cancellation was polled above: its waker is registered.
        if *this.cancel || this.cancelled.poll(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(Err(cancel(this.body, this.tracked, function, false)))
    }
}

/// Cancelled: the body is dropped first, then the call is counted.
#[cold]
fn cancel<F>(
    mut body: Pin<&mut Option<F>>,
    tracked: &mut Option<Tracked<'_>>,
    function: &'static str,
    at_trigger: bool,
) -> Error {
    body.set(None);
    *tracked = None;
    if at_trigger {
        tracing::debug!(target: "taskward", function, "cancelled by shutdown");
    } else {
        tracing::warn!(
            target: "taskward",
            function,
            "cancelled by shutdown: still running at the grace deadline"
        );
    }
    Error::cancelled(function)
}

#[cfg(test)]
mod tests;
