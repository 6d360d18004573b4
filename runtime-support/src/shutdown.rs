//! Graceful shutdown: a coordinator that refuses new calls once shutdown begins, lets running calls
//! finish within a grace period, and cancels the rest.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use core::task::{Context, Poll};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;

/// The high bit of [`Inner::state`]: shutdown has begun. The other bits count the calls running.
const TRIGGERED: usize = 1 << (usize::BITS - 1);

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
#[derive(Clone)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

struct Inner {
    /// [`TRIGGERED`] | the number of calls registered and not yet ended.
    state: AtomicUsize,
    /// Calls in flight at the trigger that ended with their body returning (or panicking).
    finished: AtomicUsize,
    /// Calls in flight at the trigger whose body was dropped before it ended.
    cancelled: AtomicUsize,
    /// Calls refused because shutdown had begun.
    refused: AtomicUsize,
    /// Cancelled when shutdown begins.
    soft: CancellationToken,
    /// Cancelled at the grace deadline of `drain`: every tracked call watches it.
    hard: CancellationToken,
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
                state: AtomicUsize::new(0),
                finished: AtomicUsize::new(0),
                cancelled: AtomicUsize::new(0),
                refused: AtomicUsize::new(0),
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
        let prev = inner.state.fetch_or(TRIGGERED, SeqCst);
        if prev & TRIGGERED == 0 {
            tracing::info!(
                target: "taskward",
                in_flight = prev,
                "shutdown begun"
            );
            inner.soft.cancel();
        }
    }

    /// Whether shutdown has begun.
    #[must_use]
    pub fn is_triggered(&self) -> bool {
        self.inner.state.load(SeqCst) & TRIGGERED != 0
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
        self.inner.state.load(SeqCst) & !TRIGGERED
    }

    /// Begins shutdown when the process receives SIGINT or SIGTERM (on non-Unix platforms:
    /// ctrl-c), and logs the signal (an `info` event on target `taskward`).
    ///
    /// The signal handlers are installed before this returns, so a signal that arrives afterwards
    /// never takes the platform's default action (ending the process) but begins shutdown; the
    /// waiting happens in a spawned task, whose handle is returned (abort it to stop listening;
    /// the handlers stay installed, as always with tokio).
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime, or on one built without its I/O driver (a runtime from
    /// `#[tokio::main]` or `Builder::enable_all()` has it).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() {
    /// let shutdown = taskward::Shutdown::global();
    /// shutdown.on_signals();
    /// shutdown.triggered().await; // until ctrl-c or `kill <pid>`
    /// # }
    /// ```
    #[allow(clippy::must_use_candidate)] // listening is the point; the handle is optional
    pub fn on_signals(&self) -> JoinHandle<()> {
        let shutdown = self.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = signal(SignalKind::interrupt()).and_then(|interrupt| {
                signal(SignalKind::terminate()).map(|terminate| (interrupt, terminate))
            });
            tokio::spawn(async move {
                let (mut interrupt, mut terminate) = match streams {
                    Ok(streams) => streams,
                    Err(err) => {
                        tracing::error!(
                            target: "taskward",
                            error = %err,
                            "cannot listen for SIGINT/SIGTERM; shutdown must be triggered otherwise"
                        );
                        return;
                    }
                };
                let name = tokio::select! {
                    _ = interrupt.recv() => "SIGINT",
                    _ = terminate.recv() => "SIGTERM",
                };
                tracing::info!(target: "taskward", signal = name, "signal received: shutting down");
                shutdown.trigger();
            })
        }
        #[cfg(not(unix))]
        {
            tokio::spawn(async move {
                match tokio::signal::ctrl_c().await {
                    Ok(()) => {
                        tracing::info!(
                            target: "taskward",
                            signal = "ctrl-c",
                            "signal received: shutting down"
                        );
                        shutdown.trigger();
                    }
                    Err(err) => tracing::error!(
                        target: "taskward",
                        error = %err,
                        "cannot listen for ctrl-c; shutdown must be triggered otherwise"
                    ),
                }
            })
        }
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
        let finished = inner.finished.load(SeqCst);
        let cancelled = inner.cancelled.load(SeqCst);
        let report = DrainReport {
            in_flight: finished + cancelled,
            finished,
            cancelled,
            refused: inner.refused.load(SeqCst),
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
struct Tracked<'a> {
    inner: &'a Inner,
    /// The body returned (or is panicking out of a poll); otherwise it was dropped unfinished.
    finished: bool,
}

impl Inner {
    /// Registers a call, or refuses it (`None`) when shutdown has begun.
    fn enter(&self) -> Option<Tracked<'_>> {
        // Register first, then look at the flag: the same atomic operation does both, so a call is
        // either counted in flight at the trigger, or sees the trigger and is refused.
        let prev = self.state.fetch_add(1, SeqCst);
        if prev & TRIGGERED == 0 {
            Some(Tracked {
                inner: self,
                finished: false,
            })
        } else {
            self.refused.fetch_add(1, SeqCst);
            if self.state.fetch_sub(1, SeqCst) == TRIGGERED | 1 {
                self.drained.notify_waiters();
            }
            None
        }
    }

    /// Waits until no call is in flight (once shutdown has begun, none can start).
    async fn wait_drained(&self) {
        loop {
            let mut notified = core::pin::pin!(self.drained.notified());
            notified.as_mut().enable();
            if self.state.load(SeqCst) & !TRIGGERED == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        let inner = self.inner;
        let mut state = inner.state.load(SeqCst);
        // Before the trigger: one compare-exchange, nothing to report. After it: the call was in
        // flight at the trigger; it is counted before it stops counting in flight, so `drain`
        // sees final figures once the count reaches zero.
        while state & TRIGGERED == 0 {
            match inner
                .state
                .compare_exchange_weak(state, state - 1, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(now) => state = now,
            }
        }
        let counter = if self.finished {
            &inner.finished
        } else {
            &inner.cancelled
        };
        counter.fetch_add(1, SeqCst);
        if inner.state.fetch_sub(1, SeqCst) == TRIGGERED | 1 {
            inner.drained.notify_waiters();
        }
    }
}

/// Runs `fut` as a call tracked by `shutdown` (what `#[graceful]` expands to).
///
/// Refused with [`Error::ShuttingDown`] once shutdown has begun (the body never starts); otherwise
/// run, and dropped with [`Error::Cancelled`] as soon as shutdown begins (`cancel`) or at the grace
/// deadline of [`Shutdown::drain`] (not `cancel`). No allocation; `Send` when `F` is. The body is
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
        let (Some(tracked), Some(body)) = (this.tracked.as_mut(), this.body.as_mut().as_pin_mut())
        else {
            assert!(*this.refused, "`Graceful` polled after it completed");
            tracing::debug!(target: "taskward", function, "refused: shutting down");
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
        if this.cancelled.poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Cancelled: the body is dropped first, then the call is counted.
        this.body.set(None);
        *this.tracked = None;
        if *this.cancel {
            tracing::debug!(target: "taskward", function, "cancelled by shutdown");
        } else {
            tracing::warn!(
                target: "taskward",
                function,
                "cancelled by shutdown: still running at the grace deadline"
            );
        }
        Poll::Ready(Err(Error::cancelled(function)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static META: Meta = Meta::new("app::work");

    fn is_send<T: Send>(_: &T) {}

    /// Counts its drops that happen while its call is still counted in flight: shows that a
    /// body's destructors ran before the call was counted as ended.
    struct DropCount(Arc<AtomicUsize>, Shutdown);
    impl Drop for DropCount {
        fn drop(&mut self) {
            if self.1.in_flight() > 0 {
                self.0.fetch_add(1, SeqCst);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn runs_and_returns_before_shutdown() {
        let s = Shutdown::new();
        let fut = graceful(&s, &META, false, async { 7 });
        is_send(&fut);
        assert_eq!(fut.await, Ok(7));
        assert_eq!(s.in_flight(), 0);
        assert!(!s.is_triggered());
        // Calls that ended before shutdown are not in the report.
        let report = s.drain(Duration::from_secs(1)).await;
        assert_eq!(
            report,
            DrainReport {
                in_flight: 0,
                finished: 0,
                cancelled: 0,
                refused: 0,
                elapsed: Duration::ZERO
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn calls_after_trigger_are_refused_and_counted() {
        let s = Shutdown::new();
        s.trigger();
        for _ in 0..3 {
            let started = Arc::new(AtomicUsize::new(0));
            let st = started.clone();
            let result = graceful(&s, &META, false, async move {
                st.fetch_add(1, SeqCst);
            })
            .await;
            assert_eq!(
                result,
                Err(Error::ShuttingDown {
                    function: "app::work"
                })
            );
            assert_eq!(started.load(SeqCst), 0, "the body never starts");
        }
        let report = s.drain(Duration::from_secs(1)).await;
        assert_eq!((report.in_flight, report.refused), (0, 3));
        assert_eq!(
            report.to_string(),
            "drained in 0s: 0 in flight, 0 finished, 0 cancelled, 3 refused"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn drain_waits_for_finishers_and_cancels_the_rest_at_the_deadline() {
        let s = Shutdown::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for secs in [1, 2, 3, 10, 20] {
            let (s2, guard) = (s.clone(), DropCount(drops.clone(), s.clone()));
            calls.push(tokio::spawn(async move {
                graceful(&s2, &META, false, async move {
                    let _guard = guard;
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    secs
                })
                .await
            }));
        }
        tokio::task::yield_now().await; // let every call start
        assert_eq!(s.in_flight(), 5);

        let t0 = Instant::now();
        let drain = tokio::spawn({
            let s = s.clone();
            async move { s.drain(Duration::from_secs(5)).await }
        });
        tokio::task::yield_now().await;
        assert!(s.is_triggered());
        // Not cancelled by the trigger itself: cancel = false.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(s.in_flight(), 4);
        // Refused while draining.
        for _ in 0..4 {
            assert!(
                graceful(&s, &META, false, async {})
                    .await
                    .unwrap_err()
                    .is_shutdown()
            );
        }

        let report = drain.await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_secs(5));
        assert_eq!(report.elapsed, Duration::from_secs(5));
        assert_eq!(
            (
                report.in_flight,
                report.finished,
                report.cancelled,
                report.refused
            ),
            (5, 3, 2, 4)
        );
        assert_eq!(
            report.to_string(),
            "drained in 5s: 5 in flight, 3 finished, 2 cancelled, 4 refused"
        );
        assert_eq!(
            drops.load(SeqCst),
            5,
            "every body dropped before drain returns"
        );
        assert_eq!(s.in_flight(), 0);

        let mut results = Vec::new();
        for call in calls {
            results.push(call.await.unwrap());
        }
        let cancelled = Err(Error::Cancelled {
            function: "app::work",
        });
        assert_eq!(results, [Ok(1), Ok(2), Ok(3), cancelled.clone(), cancelled]);
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_true_cancels_as_soon_as_shutdown_begins() {
        let s = Shutdown::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let call = tokio::spawn({
            let (s, guard) = (s.clone(), DropCount(drops.clone(), s.clone()));
            async move {
                graceful(&s, &META, true, async move {
                    let _guard = guard;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                })
                .await
            }
        });
        tokio::task::yield_now().await;
        assert_eq!(s.in_flight(), 1);
        let t0 = Instant::now();
        s.trigger();
        assert_eq!(
            call.await.unwrap(),
            Err(Error::Cancelled {
                function: "app::work"
            })
        );
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert_eq!(drops.load(SeqCst), 1);
        let report = s.drain(Duration::from_secs(10)).await;
        assert_eq!(
            (report.in_flight, report.finished, report.cancelled),
            (1, 0, 1)
        );
        assert_eq!(report.elapsed, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_by_its_caller_counts_as_cancelled() {
        let s = Shutdown::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone(), s.clone());
        let mut call = Box::pin(graceful(&s, &META, false, async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        // Poll it once: it is in flight.
        assert!(
            tokio::time::timeout(Duration::from_millis(1), &mut call)
                .await
                .is_err()
        );
        assert_eq!(s.in_flight(), 1);
        s.trigger();
        drop(call);
        assert_eq!(drops.load(SeqCst), 1);
        let report = s.drain(Duration::from_secs(1)).await;
        assert_eq!(
            (report.in_flight, report.finished, report.cancelled),
            (1, 0, 1)
        );
        assert_eq!(report.elapsed, Duration::ZERO);

        // Dropped before shutdown: not in the report, but no longer in flight.
        let s = Shutdown::new();
        let mut call = Box::pin(graceful(&s, &META, false, std::future::pending::<()>()));
        assert!(
            tokio::time::timeout(Duration::from_millis(1), &mut call)
                .await
                .is_err()
        );
        drop(call);
        assert_eq!(s.in_flight(), 0);
        assert_eq!(s.drain(Duration::from_secs(1)).await.in_flight, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_body_counts_as_finished() {
        let s = Shutdown::new();
        let go = Arc::new(tokio::sync::Notify::new());
        let drops = Arc::new(AtomicUsize::new(0));
        let call = tokio::spawn({
            let (s, go, guard) = (s.clone(), go.clone(), DropCount(drops.clone(), s.clone()));
            async move {
                graceful(&s, &META, false, async move {
                    let _guard = guard;
                    go.notified().await;
                    panic!("boom");
                })
                .await
            }
        });
        tokio::task::yield_now().await;
        s.trigger();
        go.notify_one();
        assert!(call.await.unwrap_err().is_panic());
        assert_eq!(drops.load(SeqCst), 1);
        let report = s.drain(Duration::from_secs(1)).await;
        assert_eq!(
            (report.in_flight, report.finished, report.cancelled),
            (1, 1, 0)
        );
        assert_eq!(s.in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn triggered_resolves_on_trigger() {
        let s = Shutdown::default();
        let waiter = tokio::spawn(s.triggered());
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        s.clone().trigger();
        waiter.await.unwrap();
        s.triggered().await; // at once, now
        assert!(format!("{s:?}").contains("triggered: true"));
    }

    #[test]
    fn global_is_one_coordinator() {
        assert!(std::ptr::eq(Shutdown::global(), Shutdown::global()));
        assert!(Arc::ptr_eq(
            &Shutdown::global().inner,
            &Shutdown::global().clone().inner
        ));
    }

    /// Many calls on several threads race with the trigger: every one is either refused or
    /// counted exactly once, and the figures match what the callers saw.
    #[test]
    fn counters_are_exact_under_races() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        for round in 0..20 {
            rt.block_on(async {
                let s = Shutdown::new();
                let mut calls = Vec::new();
                for i in 0..400u64 {
                    let s2 = s.clone();
                    calls.push(tokio::spawn(async move {
                        graceful(&s2, &META, i % 3 == 0, async move {
                            for _ in 0..(i % 4) {
                                tokio::task::yield_now().await;
                            }
                            if i % 5 == 0 {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        })
                        .await
                    }));
                    if i == 100 + round * 10 {
                        let s = s.clone();
                        tokio::spawn(async move { s.trigger() });
                    }
                }
                let first = s.drain(Duration::from_millis(20)).await;
                let (mut ok, mut refused, mut cancelled) = (0, 0, 0);
                for call in calls {
                    match call.await.unwrap() {
                        Ok(()) => ok += 1,
                        Err(Error::ShuttingDown { .. }) => refused += 1,
                        Err(Error::Cancelled { .. }) => cancelled += 1,
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                assert_eq!(ok + refused + cancelled, 400);
                // Some tasks made their call only after the first drain: read the final figures.
                let report = s.drain(Duration::ZERO).await;
                assert_eq!(report.in_flight, first.in_flight);
                assert_eq!(report.cancelled, first.cancelled);
                assert_eq!(report.refused, refused);
                assert_eq!(report.cancelled, cancelled);
                assert_eq!(report.in_flight, report.finished + report.cancelled);
                assert!(report.finished <= ok);
                assert_eq!(s.in_flight(), 0);
            });
        }
    }
}
