//! `#[hedged]`: when a call has not finished after a delay, the body starts again on fresh copies
//! of the arguments, and the first run to finish is the call's output; the others are dropped
//! there and then.
//!
//! The runs are polled by the call's own future, in the caller's task: nothing is spawned (no
//! `'static` bound) and nothing is allocated. They live in a fixed chain of slots ([`Slot`]s
//! ending in [`End`]), one per run, its length chosen by the macro from `max`.
//!
//! A panic is not caught: it unwinds through the call, which drops every run.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::duration::{DisplayDuration, instant_after};
use crate::meta::Meta;

pub mod histogram;

pub use histogram::Histogram;

/// When a call starts its next run.
#[derive(Debug)]
pub enum After {
    /// A fixed delay after the previous run began.
    Fixed(Duration),
    /// The function's observed latency percentile, from its histogram.
    Percentile(&'static Histogram),
}

/// The resolved options of one `#[hedged]` function, built as a `static` by generated code.
#[derive(Debug)]
pub struct HedgePolicy {
    /// The delay before each extra run.
    pub after: After,
}

impl HedgePolicy {
    #[inline]
    fn delay(&self) -> Duration {
        match self.after {
            After::Fixed(delay) => delay,
            After::Percentile(histogram) => histogram.delay(),
        }
    }
}

/// A chain of run slots: [`Slot`]s ending in [`End`].
pub trait Runs<Fut: Future> {
    /// The slots in the chain.
    const LEN: usize;
    /// The chain with `fut` in its first slot, before it is pinned.
    #[must_use]
    fn with_first(self, fut: Fut) -> Self;
    /// Puts `fut` in slot `k` (the slot is empty).
    fn start(self: Pin<&mut Self>, k: usize, fut: Fut);
    /// Polls the runs in order; the first that is ready, with its slot.
    fn poll_runs(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(usize, Fut::Output)>;
    /// Drops every run, in order.
    fn clear(self: Pin<&mut Self>);
}

/// The end of a chain of slots.
#[derive(Debug)]
pub struct End;

impl<Fut: Future> Runs<Fut> for End {
    const LEN: usize = 0;

    #[inline]
    fn with_first(self, _fut: Fut) -> Self {
        unreachable!("no slot for this run");
    }

    #[inline]
    fn start(self: Pin<&mut Self>, _k: usize, _fut: Fut) {
        unreachable!("no slot for this run");
    }

    #[inline]
    fn poll_runs(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<(usize, Fut::Output)> {
        Poll::Pending
    }

    #[inline]
    fn clear(self: Pin<&mut Self>) {}
}

pin_project_lite::pin_project! {
    /// One run's slot, and the slots after it.
    #[derive(Debug)]
    pub struct Slot<Fut, Next> {
        #[pin]
        run: Option<Fut>,
        #[pin]
        next: Next,
    }
}

impl<Fut, Next> Slot<Fut, Next> {
    /// An empty slot before `next`.
    #[inline]
    pub const fn new(next: Next) -> Self {
        Slot { run: None, next }
    }
}

impl<Fut: Future, Next: Runs<Fut>> Runs<Fut> for Slot<Fut, Next> {
    const LEN: usize = 1 + Next::LEN;

    #[inline]
    fn with_first(self, fut: Fut) -> Self {
        Slot {
            run: Some(fut),
            next: self.next,
        }
    }

    #[inline]
    fn start(self: Pin<&mut Self>, k: usize, fut: Fut) {
        let mut this = self.project();
        if k == 0 {
            this.run.set(Some(fut));
        } else {
            this.next.start(k - 1, fut);
        }
    }

    #[inline]
    fn poll_runs(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(usize, Fut::Output)> {
        let this = self.project();
        if let Some(run) = this.run.as_pin_mut()
            && let Poll::Ready(output) = run.poll(cx)
        {
            return Poll::Ready((0, output));
        }
        match this.next.poll_runs(cx) {
            Poll::Ready((k, output)) => Poll::Ready((k + 1, output)),
            Poll::Pending => Poll::Pending,
        }
    }

    #[inline]
    fn clear(self: Pin<&mut Self>) {
        let mut this = self.project();
        this.run.set(None);
        this.next.clear();
    }
}

/// Runs the body (a fresh future from `make` for each run) with hedges, in the slots `runs`: the
/// first run starts now, each next one when the policy's delay has passed since the one before
/// it began and no run has finished, up to one run per slot.
#[inline]
pub fn hedged<M, Fut, S>(
    meta: &'static Meta,
    policy: &'static HedgePolicy,
    runs: S,
    mut make: M,
) -> Hedged<M, S>
where
    M: FnMut() -> Fut,
    Fut: Future,
    S: Runs<Fut>,
{
    let first = make();
    let delay = policy.delay();
    // A percentile needs the latency of every call; a fixed delay reads the clock only when the
    // first run is pending.
    let start = matches!(policy.after, After::Percentile(_)).then(Instant::now);
    Hedged {
        runs: runs.with_first(first),
        sleep: None,
        make,
        started: 1,
        delay,
        start,
        meta,
        policy,
    }
}

pin_project_lite::pin_project! {
    /// The future of a `#[hedged]` call (see [`hedged`]).
    #[must_use = "futures do nothing unless polled"]
    pub struct Hedged<M, S> {
        #[pin]
        runs: S,
        // Set when the first run is first pending.
        #[pin]
        sleep: Option<Sleep>,
        make: M,
        // The runs started.
        started: usize,
        // The delay between runs, read once for the call.
        delay: Duration,
        // When the first run began: read at the call with a percentile, else when it is first
        // pending.
        start: Option<Instant>,
        meta: &'static Meta,
        policy: &'static HedgePolicy,
    }
}

impl<M, Fut, S> Future for Hedged<M, S>
where
    M: FnMut() -> Fut,
    Fut: Future,
    S: Runs<Fut>,
{
    type Output = Fut::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Poll::Ready((k, output)) = this.runs.as_mut().poll_runs(cx) {
                // The others are dropped before the call returns.
                this.runs.as_mut().clear();
                if let (After::Percentile(histogram), Some(start)) =
                    (&this.policy.after, *this.start)
                {
                    let began = instant_after(
                        start,
                        this.delay
                            .saturating_mul(u32::try_from(k).unwrap_or(u32::MAX)),
                    );
                    histogram.record(Instant::now().saturating_duration_since(began));
                }
                if k > 0 {
                    crate::metrics::hedge_won(this.meta);
                    won(this.meta, k, *this.started);
                }
                return Poll::Ready(output);
            }
            if *this.started >= S::LEN {
                return Poll::Pending;
            }
            if this.sleep.is_none() {
                let start = *this.start.get_or_insert_with(Instant::now);
                let first = tokio::time::sleep_until(instant_after(start, *this.delay));
                this.sleep.set(Some(first));
            }
            let Some(mut sleep) = this.sleep.as_mut().as_pin_mut() else {
                unreachable!("the sleep was set above");
            };
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The delay has passed and no run has finished: the next run begins, and is
            // polled at once (the loop).
            let k = *this.started;
            crate::metrics::hedge_started(this.meta);
            hedging(this.meta, k, S::LEN - 1, *this.delay);
            let fut = (this.make)();
            this.runs.as_mut().start(k, fut);
            *this.started += 1;
            if *this.started < S::LEN {
                let next = instant_after(sleep.deadline(), *this.delay);
                sleep.reset(next);
            }
        }
    }
}

impl<M, S> fmt::Debug for Hedged<M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hedged")
            .field("function", &self.meta.function)
            .field("started", &self.started)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

#[cold]
fn hedging(meta: &'static Meta, hedge: usize, max: usize, delay: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        hedge,
        max,
        after = %DisplayDuration(delay),
        "not finished: starting a hedge"
    );
}

#[cold]
fn won(meta: &'static Meta, hedge: usize, started: usize) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        hedge,
        dropped = started - 1,
        "a hedge finished first: the other runs are dropped"
    );
}
