//! Graceful shutdown: a coordinator that refuses new calls once shutdown begins, lets running calls
//! finish within a grace period, and cancels the rest.

use core::fmt;
use core::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::duration::DisplayDuration;

mod signals;
mod state;

pub use signals::SecondSignal;
use state::{Counts, Entry, State};

/// A shutdown coordinator: the calls of `#[graceful]` functions are tracked by one, refused once
/// its shutdown has begun, and waited for (then cancelled) by [`drain`](Shutdown::drain).
///
/// A `Shutdown` is a cheap handle: clones share one coordinator. Most programs use the
/// process-wide [`Shutdown::global()`], which `#[graceful]` uses unless told otherwise; a library
/// or a test can make its own with [`Shutdown::new()`].
///
/// ```
/// use std::time::Duration;
/// use taskward::Shutdown;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let shutdown = Shutdown::new();
/// shutdown.on_signals(); // SIGINT or SIGTERM (ctrl-c on Windows) begins shutdown
///
/// // ... serve; then, on the way out (here: at once):
/// let report = shutdown.drain(Duration::from_secs(30)).await;
/// assert!(shutdown.is_triggered());
/// assert_eq!(report.in_flight, 0);
/// println!("{report}"); // drained in 0s: 0 in flight, 0 finished, 0 cancelled, 0 refused
/// # }
/// ```
///
/// # What is counted
///
/// Of the calls in flight when shutdown begins, each one is counted once it ends, either as
/// *finished* (its body returned, or panicked: a panic is the body's own way of ending) or as
/// *cancelled* (its body was dropped: by `#[graceful(cancel)]`, at the grace deadline of
/// [`drain`](Shutdown::drain), or because its caller dropped the call's future). Each call that
/// arrives after shutdown began is *refused* (it fails with [`Error::ShuttingDown`] and its body
/// never starts). [`DrainReport`] gives the figures.
///
/// [`Error::ShuttingDown`]: crate::Error::ShuttingDown
#[derive(Clone)]
pub struct Shutdown {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The trigger, the calls in flight and the counts: the protocol's core (`state.rs`).
    state: State,
    /// Cancelled when shutdown begins.
    pub(crate) soft: CancellationToken,
    /// Cancelled at the grace deadline of `drain`: every tracked call watches it.
    pub(crate) hard: CancellationToken,
    /// Notified when the last call in flight after the trigger ends.
    drained: tokio::sync::Notify,
}

impl Shutdown {
    /// A new coordinator, not triggered, with no call in flight.
    ///
    /// ```
    /// let shutdown = taskward::Shutdown::new();
    /// assert!(!shutdown.is_triggered());
    /// assert_eq!(shutdown.in_flight(), 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Shutdown {
            inner: Arc::new(Inner {
                state: State::new(),
                soft: CancellationToken::new(),
                hard: CancellationToken::new(),
                drained: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The process-wide coordinator, the one `#[graceful]` uses unless given another with
    /// `in = ...`. Created on first use.
    ///
    /// ```
    /// use taskward::Shutdown;
    /// let a = Shutdown::global();
    /// let b = Shutdown::global();
    /// assert!(std::ptr::eq(a, b));
    /// ```
    #[must_use]
    #[inline]
    pub fn global() -> &'static Shutdown {
        static GLOBAL: OnceLock<Shutdown> = OnceLock::new();
        GLOBAL.get_or_init(Shutdown::new)
    }

    /// Begins shutdown: from now on new calls are refused, `#[graceful(cancel)]` calls are
    /// cancelled, and [`triggered`](Shutdown::triggered) futures resolve. Calling it again does
    /// nothing.
    ///
    /// ```
    /// let shutdown = taskward::Shutdown::new();
    /// shutdown.trigger();
    /// shutdown.trigger();
    /// assert!(shutdown.is_triggered());
    /// ```
    pub fn trigger(&self) {
        let inner = &*self.inner;
        if let Some(in_flight) = inner.state.trigger() {
            tracing::info!(
                target: "taskward",
                in_flight,
                "shutdown begun"
            );
            inner.soft.cancel();
        }
    }

    /// Whether shutdown has begun.
    #[must_use]
    pub fn is_triggered(&self) -> bool {
        self.inner.state.is_triggered()
    }

    /// A future that resolves once shutdown has begun (at once if it has already). It does not
    /// borrow `self`, so it can be moved into a task, e.g. as the shutdown signal of a server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shutdown = taskward::Shutdown::new();
    /// let server = tokio::spawn(shutdown.triggered()); // stands for `serve(..).with_graceful_shutdown(..)`
    /// shutdown.trigger();
    /// server.await.unwrap();
    /// # }
    /// ```
    pub fn triggered(&self) -> impl Future<Output = ()> + Send + 'static + use<> {
        self.inner.soft.clone().cancelled_owned()
    }

    /// Like [`triggered`](Shutdown::triggered), borrowing `self` (no reference count change).
    pub(crate) fn triggered_ref(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.inner.soft.cancelled()
    }

    /// The number of tracked calls running now.
    ///
    /// ```
    /// assert_eq!(taskward::Shutdown::new().in_flight(), 0);
    /// ```
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.inner.state.in_flight()
    }

    /// Shuts down and waits for the calls in flight: triggers shutdown (if not yet), waits until
    /// every tracked call has ended, and when `grace` has passed, cancels the calls still running
    /// (their bodies are dropped at their next poll, and they fail with [`Error::Cancelled`]) and
    /// waits for those to end. Returns what happened to the calls.
    ///
    /// A cancelled call ends when its task next polls it, which the cancellation itself wakes it
    /// for; a call held by a future that nobody polls any longer keeps `drain` waiting.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::Shutdown;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let shutdown = Shutdown::new();
    /// let report = shutdown.drain(Duration::from_secs(5)).await;
    /// assert_eq!((report.in_flight, report.finished, report.cancelled), (0, 0, 0));
    /// assert_eq!(report.elapsed, Duration::ZERO);
    /// # }
    /// ```
    ///
    /// [`Error::Cancelled`]: crate::Error::Cancelled
    pub async fn drain(&self, grace: Duration) -> DrainReport {
        let started = Instant::now();
        self.trigger();
        let inner = &*self.inner;
        if tokio::time::timeout(grace, inner.wait_drained())
            .await
            .is_err()
        {
            tracing::warn!(
                target: "taskward",
                grace = %DisplayDuration(grace),
                still_running = self.in_flight(),
                "grace period over: cancelling the calls still running"
            );
            inner.hard.cancel();
            inner.wait_drained().await;
        }
        let Counts {
            finished,
            cancelled,
            refused,
        } = inner.state.counts();
        let report = DrainReport {
            in_flight: finished + cancelled,
            finished,
            cancelled,
            refused,
            elapsed: started.elapsed(),
        };
        tracing::info!(
            target: "taskward",
            in_flight = report.in_flight,
            finished = report.finished,
            cancelled = report.cancelled,
            refused = report.refused,
            elapsed = %crate::duration::DisplayDuration(report.elapsed),
            "shutdown drained"
        );
        report
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("triggered", &self.is_triggered())
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

/// What [`Shutdown::drain`] did with the calls.
///
/// `in_flight == finished + cancelled` always holds: every call in flight when shutdown began is
/// counted once, when it ends.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let report = taskward::Shutdown::new()
///     .drain(std::time::Duration::from_secs(1))
///     .await;
/// assert_eq!(report.in_flight, report.finished + report.cancelled);
/// assert_eq!(
///     report.to_string(),
///     "drained in 0s: 0 in flight, 0 finished, 0 cancelled, 0 refused"
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainReport {
    /// The calls that were running when shutdown began.
    pub in_flight: usize,
    /// Of those, the calls whose body ended by itself (returned, or panicked).
    pub finished: usize,
    /// Of those, the calls whose body was dropped: by `#[graceful(cancel)]`, at the grace deadline,
    /// or by their caller.
    pub cancelled: usize,
    /// The calls refused with [`Error::ShuttingDown`] since shutdown began (until the report).
    ///
    /// [`Error::ShuttingDown`]: crate::Error::ShuttingDown
    pub refused: usize,
    /// How long `drain` took.
    pub elapsed: Duration,
}

impl fmt::Display for DrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "drained in {}: {} in flight, {} finished, {} cancelled, {} refused",
            DisplayDuration(self.elapsed),
            self.in_flight,
            self.finished,
            self.cancelled,
            self.refused
        )
    }
}

/// A registered call; counts it as ended when dropped (after its body was dropped).
pub(crate) struct Tracked<'a> {
    inner: &'a Inner,
    /// The body returned (or is panicking out of a poll); otherwise it was dropped unfinished.
    pub(crate) finished: bool,
}

impl Inner {
    /// Registers a call, or refuses it (`None`) when shutdown has begun.
    pub(crate) fn enter(&self) -> Option<Tracked<'_>> {
        match self.state.enter() {
            Entry::Admitted => Some(Tracked {
                inner: self,
                finished: false,
            }),
            Entry::Refused { last } => {
                if last {
                    self.drained.notify_waiters();
                }
                None
            }
        }
    }

    /// Waits until no call is in flight (once shutdown has begun, none can start).
    ///
    /// No lost wake-up between "the count reached zero" and "the drain waits": a call whose exit
    /// brings the count to zero decrements it, then calls `notify_waiters()`; here, `notified()`
    /// is created, then the count is read. `Notify` counts its `notify_waiters()` calls, and a
    /// `Notified` completes on any made after its creation (whether it was polled yet or not). So
    /// either that `notify_waiters()` came after `notified()`, and wakes it; or `notified()` saw
    /// its count (an `Acquire` load of what `notify_waiters()` wrote under its lock, with release),
    /// and then the count of calls read after it (`in_flight`, `Acquire`) sees the decrement made
    /// before, and is zero. `enable()` only registers early; the handshake does not need it.
    /// `tests/loom_shutdown.rs` checks it, with a model of those semantics of `Notify`.
    async fn wait_drained(&self) {
        loop {
            let mut notified = core::pin::pin!(self.drained.notified());
            notified.as_mut().enable();
            if self.state.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        let inner = self.inner;
        if inner.state.exit(self.finished) {
            inner.drained.notify_waiters();
        }
    }
}

// `pub(crate)`: the tests of `graceful` share its `DropCount`.
#[cfg(test)]
pub(crate) mod tests;
