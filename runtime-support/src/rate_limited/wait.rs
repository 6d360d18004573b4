//! The waits of calls for their slots, what generated code makes: the futures that take a slot
//! and sleep until it, and the error of a call whose slot is further away than it may wait.

use core::future::Future;
use core::num::NonZeroU64;
use core::pin::Pin;
use core::sync::atomic::Ordering::Relaxed;
use core::task::{Context, Poll};
use core::time::Duration;

use tokio::time::Sleep;

use super::RateLimit;
use crate::duration::{DisplayDuration, instant_after};
use crate::error::Error;
use crate::meta::Meta;

/// Waits for the call's slot (what `#[rate_limited]` without `wait` expands to).
#[inline]
pub fn acquire<'a>(limit: &'a RateLimit, meta: &'static Meta) -> Acquire<'a> {
    Acquire {
        inner: Reserve::new(limit, meta, u64::MAX),
    }
}

/// Waits for the call's slot, or fails at once when it is more than `wait` away (`wait` zero:
/// unless a slot is free now); the failure becomes an [`Error::Rejected`] with [`rejected`].
#[inline]
pub fn acquire_within<'a>(
    limit: &'a RateLimit,
    meta: &'static Meta,
    wait: Duration,
) -> Reserve<'a> {
    Reserve::new(
        limit,
        meta,
        u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX),
    )
}

pin_project_lite::pin_project! {
    /// The future of a call waiting for its slot, that cannot be rejected.
    #[must_use = "futures do nothing unless polled"]
    pub struct Acquire<'a> {
        #[pin]
        inner: Reserve<'a>,
    }
}

impl Future for Acquire<'_> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // With no limit on the wait, no slot is too far away: the result is always `Ok`.
        self.project().inner.poll(cx).map(|_| ())
    }
}

pin_project_lite::pin_project! {
    /// The future of a call waiting for its slot: takes it at the first poll (the fast path, a
    /// free slot, reads the clock once and does one compare-and-swap), sleeps until it on tokio's
    /// timer when it is ahead, and gives it back if dropped before it when no later slot has been
    /// taken since. A named future rather than an `async fn`, so that a call holds no more than
    /// tokio's `Sleep` and a word while it waits.
    #[must_use = "futures do nothing unless polled"]
    pub struct Reserve<'a> {
        limit: &'a RateLimit,
        #[pin]
        state: StateOf<'a>,
    }

    impl PinnedDrop for Reserve<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let StateProj::Waiting { after, .. } = this.state.project() {
                this.limit.waiting.fetch_sub(1, Relaxed);
                this.limit.gcra.give_back(&this.limit.tat, *after);
            }
        }
    }
}

#[cfg(not(feature = "redis"))]
pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State {
        /// Not polled yet.
        Start { meta: &'static Meta, max_wait: u64 },
        /// Waiting for the slot; `after` is the word that the reservation set.
        Waiting { #[pin] sleep: Sleep, after: u64 },
        Done,
    }
}

#[cfg(not(feature = "redis"))]
type StateOf<'a> = State;
#[cfg(feature = "redis")]
type StateOf<'a> = State<'a>;

/// The call of a fleet rate limit: a Redis round trip and a sleep, boxed (the round trip
/// allocates anyway).
#[cfg(feature = "redis")]
type FleetReserve<'a> = Pin<Box<dyn Future<Output = Result<(), Rejected>> + Send + 'a>>;

#[cfg(feature = "redis")]
pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<'a> {
        /// Not polled yet.
        Start { meta: &'static Meta, max_wait: u64 },
        /// Waiting for the slot; `after` is the word that the reservation set.
        Waiting { #[pin] sleep: Sleep, after: u64 },
        /// A fleet rate limit's call.
        Fleet { fleet: FleetReserve<'a> },
        Done,
    }
}

impl<'a> Reserve<'a> {
    fn new(limit: &'a RateLimit, meta: &'static Meta, max_wait: u64) -> Self {
        #[cfg(feature = "redis")]
        if let Some(spec) = &limit.fleet {
            return Reserve {
                limit,
                state: State::Fleet {
                    fleet: Box::pin(crate::fleet::rate::reserve(limit, spec, meta, max_wait)),
                },
            };
        }
        Reserve {
            limit,
            state: State::Start { meta, max_wait },
        }
    }
}

/// The slot of the local share of a fleet limit (its Redis away).
#[cfg(feature = "redis")]
pub(crate) fn reserve_local<'a>(
    limit: &'a RateLimit,
    meta: &'static Meta,
    max_wait: u64,
) -> Reserve<'a> {
    Reserve {
        limit,
        state: State::Start { meta, max_wait },
    }
}

/// A call whose slot was further away than it could wait: the time until the slot (above the
/// wait, so above zero). Small and without a destructor, so that the wrapper holds no more than a
/// word of it while the body runs; [`rejected`] makes the error.
#[derive(Debug, Clone, Copy)]
pub struct Rejected(NonZeroU64);

#[cfg(feature = "redis")]
impl Rejected {
    /// A fleet limit whose Redis did not answer (a slot `u64::MAX` nanoseconds away stands for
    /// it: no rate has one).
    pub(crate) const UNAVAILABLE: Rejected = Rejected(NonZeroU64::MAX);

    pub(crate) fn after(ns: u64) -> Rejected {
        Rejected(NonZeroU64::new(ns).unwrap_or(NonZeroU64::MIN))
    }
}

impl Future for Reserve<'_> {
    type Output = Result<(), Rejected>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let limit = *this.limit;
        match this.state.as_mut().project() {
            StateProj::Start { meta, max_wait } => {
                let (meta, max_wait) = (*meta, *max_wait);
                let (_, epoch, now) = limit.now();
                match limit.gcra.reserve(&limit.tat, now, max_wait) {
                    Ok(slot) if slot.at <= now => {
                        limit.started.fetch_add(1, Relaxed);
                        this.state.set(State::Done);
                        Poll::Ready(Ok(()))
                    }
                    Ok(slot) => {
                        // Counted from here: the drop gives the slot back from here.
                        limit.waiting.fetch_add(1, Relaxed);
                        waits(limit, meta, Duration::from_nanos(slot.at - now));
                        let at = instant_after(epoch, Duration::from_nanos(slot.at));
                        this.state.set(State::Waiting {
                            sleep: tokio::time::sleep_until(at),
                            after: slot.after,
                        });
                        poll_waiting(limit, this.state, cx)
                    }
                    Err(at) => {
                        this.state.set(State::Done);
                        let slot_in = NonZeroU64::new(at - now).unwrap_or(NonZeroU64::MIN);
                        Poll::Ready(Err(Rejected(slot_in)))
                    }
                }
            }
            StateProj::Waiting { .. } => poll_waiting(limit, this.state, cx),
            #[cfg(feature = "redis")]
            StateProj::Fleet { fleet } => {
                let done = fleet.as_mut().poll(cx);
                if done.is_ready() {
                    this.state.set(State::Done);
                }
                done
            }
            StateProj::Done => panic!("a rate limit's `Reserve` polled after it completed"),
        }
    }
}

/// Polls the sleep of a waiting call; at its end, the call starts.
#[inline]
fn poll_waiting(
    limit: &RateLimit,
    mut state: Pin<&mut StateOf<'_>>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Rejected>> {
    let StateProj::Waiting { sleep, .. } = state.as_mut().project() else {
        unreachable!("only called while waiting");
    };
    if sleep.poll(cx).is_pending() {
        return Poll::Pending;
    }
    // Started: no longer waiting, and the slot is spent (the drop gives nothing back).
    state.set(State::Done);
    limit.waiting.fetch_sub(1, Relaxed);
    limit.started.fetch_add(1, Relaxed);
    limit.waited.fetch_add(1, Relaxed);
    Poll::Ready(Ok(()))
}

#[cold]
fn waits(limit: &RateLimit, meta: &Meta, wait: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        wait = %DisplayDuration(wait),
        rate = %limit,
        waiting = limit.waiting(),
        "waits for its slot"
    );
}

/// The error of a call of `limit` rejected by [`acquire_within`] with `wait`.
#[cold]
#[must_use]
pub fn rejected(
    limit: &RateLimit,
    meta: &'static Meta,
    wait: Duration,
    rejected: Rejected,
) -> Error {
    #[cfg(feature = "redis")]
    if rejected.0 == NonZeroU64::MAX
        && let Some(spec) = &limit.fleet
    {
        return Error::limit_unavailable(meta.function, spec.name);
    }
    let slot_in = Duration::from_nanos(rejected.0.get());
    limit.rejected.fetch_add(1, Relaxed);
    crate::metrics::rejected(meta, crate::metrics::Rejection::RateLimit);
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        slot_in = %DisplayDuration(slot_in),
        wait = %DisplayDuration(wait),
        rate = %limit,
        waiting = limit.waiting(),
        "rejected: its slot is further away than it may wait"
    );
    Error::rate_limited(meta.function, limit.calls, limit.per, slot_in)
}
