//! `#[rate_limited]`: a named rate limit that several functions can share ([`RateLimit`]), and the
//! waits for its slots that generated code makes.

use core::fmt;
use core::future::Future;
use core::num::NonZeroU64;
use core::pin::Pin;
use core::sync::atomic::AtomicUsize;
use core::sync::atomic::Ordering::Relaxed;
use core::task::{Context, Poll};
use core::time::Duration;
use std::sync::OnceLock;

use tokio::time::{Instant, Sleep};

use crate::duration::{DisplayDuration, instant_after};
use crate::error::Error;
use crate::meta::Meta;
use crate::sync::atomic::AtomicU64;

mod gcra;

use gcra::Gcra;

/// A limit on how many calls *start* per period, shared by every function that names it.
///
/// `#[rate_limited(n, per = "1s")]` gives a function a rate limit of its own;
/// `#[rate_limited(in = NAME)]` makes functions share one, declared as a `static` (the constructor
/// is a `const fn`):
///
/// ```
/// use std::time::Duration;
/// use taskward::{RateLimit, rate_limited};
///
/// /// The partner's API takes at most 5 requests a second from us, whichever function makes them.
/// static PARTNER: RateLimit = RateLimit::new(5, Duration::from_secs(1));
///
/// #[rate_limited(in = PARTNER)]
/// async fn quote(item: u32) -> u32 {
///     item * 100
/// }
///
/// #[rate_limited(in = PARTNER)]
/// async fn stock(item: u32) -> u32 {
///     item + 7
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let (price, count) = tokio::join!(quote(1), stock(1));
/// assert_eq!((price, count), (100, 8));
/// assert_eq!(PARTNER.started(), 2);
/// assert_eq!(PARTNER.interval(), Duration::from_millis(200));
/// # }
/// ```
///
/// It is GCRA (the generic cell rate algorithm) on one atomic word: a rate of `calls` per `per` is
/// a call every `per / calls` (the [`interval`](Self::interval)), and up to
/// [`burst`](Self::burst) calls may start back to back when the limit has been idle. A call that
/// comes early takes the next free slot and sleeps until it (tokio's timer, so a paused clock in a
/// test drives it exactly), so that waiting calls start in the order they came; the figures of a
/// limit ([`started`](Self::started), [`waited`](Self::waited), [`rejected`](Self::rejected),
/// [`waiting`](Self::waiting), [`next_slot_in`](Self::next_slot_in)) can be read at any time.
///
/// **What it guarantees**: in any window of length `per`, at most `calls + burst - 1` calls start
/// (at most `calls` with `burst = 1`), and over a long window `calls` per `per`. The interval is
/// `per / calls` rounded up to the nanosecond, so the rate is never above the one written. Time is
/// read from tokio's clock; a limit used from runtimes with paused clocks far apart (tests sharing
/// a `static`) sees one clock jump: give each test its own limit (`in = &limit`).
pub struct RateLimit {
    /// The theoretical arrival time of GCRA, in nanoseconds since `epoch` (see `gcra.rs`).
    tat: AtomicU64,
    gcra: Gcra,
    /// The instant the limit was first used: its times are nanoseconds since then.
    epoch: OnceLock<Instant>,
    calls: u32,
    per: Duration,
    burst: u32,
    started: AtomicU64,
    waited: AtomicU64,
    rejected: AtomicU64,
    waiting: AtomicUsize,
}

impl RateLimit {
    /// A limit of `calls` per `per`, of which up to `calls` may start back to back (the default
    /// burst: see [`with_burst`](Self::with_burst)).
    ///
    /// # Panics
    ///
    /// If `calls` is zero, `per` is zero, `per` is shorter than `calls` nanoseconds (more than one
    /// call per nanosecond), or `per` is longer than `u64::MAX` nanoseconds (some 584 years). In a
    /// `static` this is a compile error, not a run-time panic:
    ///
    /// ```compile_fail
    /// static NONE: taskward::RateLimit = taskward::RateLimit::new(0, std::time::Duration::from_secs(1));
    /// ```
    #[must_use]
    pub const fn new(calls: u32, per: Duration) -> Self {
        Self::build(calls, per, calls)
    }

    const fn build(calls: u32, per: Duration, burst: u32) -> Self {
        assert!(calls > 0, "a RateLimit needs at least 1 call per period");
        let nanos = per.as_nanos();
        assert!(nanos > 0, "a RateLimit needs a period above zero");
        assert!(
            nanos >= calls as u128,
            "a RateLimit allows at most one call per nanosecond: the period must be at least `calls` nanoseconds"
        );
        assert!(
            nanos <= u64::MAX as u128,
            "the period of a RateLimit must be at most u64::MAX nanoseconds"
        );
        #[allow(clippy::cast_possible_truncation)] // checked just above
        let interval = nanos.div_ceil(calls as u128) as u64;
        RateLimit {
            tat: AtomicU64::new(0),
            gcra: Gcra::new(interval, tolerance(interval, burst)),
            epoch: OnceLock::new(),
            calls,
            per,
            burst,
            started: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
        }
    }

    /// A new limit of the same rate with bursts of up to `burst` calls back to back: `1` spaces
    /// every call by the interval; more lets a limit that has been idle take that many calls at
    /// once (and then one per interval). A builder for the constructor: the new limit starts
    /// unused.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::RateLimit;
    ///
    /// /// 10 a second, evenly spaced: never more than 10 in any second.
    /// static SPACED: RateLimit = RateLimit::new(10, Duration::from_secs(1)).with_burst(1);
    /// assert_eq!(SPACED.burst(), 1);
    /// assert_eq!(SPACED.interval(), Duration::from_millis(100));
    /// ```
    ///
    /// # Panics
    ///
    /// If `burst` is zero, or `(burst - 1) × interval` is longer than `u64::MAX` nanoseconds; a
    /// compile error in a `static`.
    #[must_use]
    pub const fn with_burst(self, burst: u32) -> Self {
        assert!(burst > 0, "a RateLimit needs a burst of at least 1");
        let (calls, per) = (self.calls, self.per);
        // A `const fn` cannot drop `self` (its `OnceLock` has a destructor), and there is nothing
        // in it to drop but an `Instant`.
        core::mem::forget(self);
        Self::build(calls, per, burst)
    }

    /// The number of calls per period, `n` of `#[rate_limited(n, per = ..)]`.
    #[must_use]
    pub const fn calls(&self) -> u32 {
        self.calls
    }

    /// The period.
    #[must_use]
    pub const fn per(&self) -> Duration {
        self.per
    }

    /// How many calls may start back to back.
    #[must_use]
    pub const fn burst(&self) -> u32 {
        self.burst
    }

    /// The time between two calls at the sustained rate: `per / calls`, rounded up to the
    /// nanosecond.
    #[must_use]
    pub const fn interval(&self) -> Duration {
        Duration::from_nanos(self.gcra.interval())
    }

    /// The number of calls that have started (at once or after waiting for their slot).
    #[must_use]
    pub fn started(&self) -> u64 {
        self.started.load(Relaxed)
    }

    /// The number of calls that started after waiting for their slot (counted in
    /// [`started`](Self::started) too).
    #[must_use]
    pub fn waited(&self) -> u64 {
        self.waited.load(Relaxed)
    }

    /// The number of calls rejected because their slot was further away than they could wait
    /// (`wait = ...`, or a failed [`try_acquire`](Self::try_acquire)).
    #[must_use]
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Relaxed)
    }

    /// The number of calls waiting for their slot now.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiting.load(Relaxed)
    }

    /// How long a call made now would wait for its slot: zero when it would start at once; the
    /// backlog of waiting calls otherwise.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::RateLimit;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limit = RateLimit::new(2, Duration::from_secs(1)).with_burst(1);
    /// assert_eq!(limit.next_slot_in(), Duration::ZERO);
    /// assert!(limit.try_acquire().is_ok());
    /// assert_eq!(limit.next_slot_in(), Duration::from_millis(500));
    /// # }
    /// ```
    #[must_use]
    pub fn next_slot_in(&self) -> Duration {
        let (_, _, now) = self.now();
        Duration::from_nanos(self.gcra.next_slot(&self.tat, now) - now)
    }

    /// Waits for a slot, for code that is not annotated: returns at the slot, and counts as a
    /// started call. Dropped while it waits, it gives its slot back when no later call has taken
    /// one since.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::RateLimit;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limit = RateLimit::new(1, Duration::from_secs(1));
    /// let start = tokio::time::Instant::now();
    /// limit.acquire().await;
    /// limit.acquire().await;
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// assert_eq!(limit.started(), 2);
    /// # }
    /// ```
    pub async fn acquire(&self) {
        static UNNAMED: Meta = Meta::new("(RateLimit::acquire)");
        acquire(self, &UNNAMED).await;
    }

    /// Takes a slot if one is free now (the call counts as started); otherwise takes nothing and
    /// returns how long until the next slot (the call counts as rejected).
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::RateLimit;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limit = RateLimit::new(10, Duration::from_secs(1)).with_burst(2);
    /// assert!(limit.try_acquire().is_ok());
    /// assert!(limit.try_acquire().is_ok());
    /// assert_eq!(limit.try_acquire(), Err(Duration::from_millis(100)));
    /// assert_eq!((limit.started(), limit.rejected()), (2, 1));
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The time until the next slot, when none is free now.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let (_, _, now) = self.now();
        match self.gcra.reserve(&self.tat, now, 0) {
            Ok(_) => {
                self.started.fetch_add(1, Relaxed);
                Ok(())
            }
            Err(at) => {
                self.rejected.fetch_add(1, Relaxed);
                Err(Duration::from_nanos(at - now))
            }
        }
    }

    /// Now, the epoch, and now in nanoseconds since the epoch (zero for an instant before it).
    #[inline]
    fn now(&self) -> (Instant, Instant, u64) {
        let now = Instant::now();
        let epoch = *self.epoch.get_or_init(|| now);
        let since =
            u64::try_from(now.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX);
        (now, epoch, since)
    }
}

/// `(burst - 1) × interval`, checked.
const fn tolerance(interval: u64, burst: u32) -> u64 {
    match interval.checked_mul(burst as u64 - 1) {
        Some(tolerance) => tolerance,
        None => panic!(
            "the burst of a RateLimit times its interval must be at most u64::MAX nanoseconds"
        ),
    }
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("calls", &self.calls)
            .field("per", &self.per)
            .field("burst", &self.burst)
            .field("started", &self.started())
            .field("waited", &self.waited())
            .field("rejected", &self.rejected())
            .field("waiting", &self.waiting())
            .finish_non_exhaustive()
    }
}

/// `10 per 1s (burst 10)`.
impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} per {} (burst {})",
            self.calls,
            DisplayDuration(self.per),
            self.burst
        )
    }
}

// ---------------------------------------------------------------------------------------------
// What generated code calls: a slot for each call.

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
        state: State,
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

impl<'a> Reserve<'a> {
    fn new(limit: &'a RateLimit, meta: &'static Meta, max_wait: u64) -> Self {
        Reserve {
            limit,
            state: State::Start { meta, max_wait },
        }
    }
}

/// A call whose slot was further away than it could wait: the time until the slot (above the
/// wait, so above zero). Small and without a destructor, so that the wrapper holds no more than a
/// word of it while the body runs; [`rejected`] makes the error.
#[derive(Debug, Clone, Copy)]
pub struct Rejected(NonZeroU64);

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
            StateProj::Done => panic!("a rate limit's `Reserve` polled after it completed"),
        }
    }
}

/// Polls the sleep of a waiting call; at its end, the call starts.
#[inline]
fn poll_waiting(
    limit: &RateLimit,
    mut state: Pin<&mut State>,
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
    let slot_in = Duration::from_nanos(rejected.0.get());
    limit.rejected.fetch_add(1, Relaxed);
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

/// What `in = EXPR` of `#[rate_limited]` takes: a `&RateLimit` (borrowed until the call starts)
/// or a `&Arc<RateLimit>` (cloned).
#[diagnostic::on_unimplemented(
    message = "`in = ...` of #[rate_limited] takes a `&RateLimit` or a `&Arc<RateLimit>`, not `{Self}`",
    label = "this is not a rate limit",
    note = "share a `static LIMIT: RateLimit` with `in = LIMIT`, or one of your own with `in = &self.limit`"
)]
pub trait RateLimitSource<'a> {
    /// Takes the handle.
    fn handle(self) -> Handle<'a>;
}

impl<'a> RateLimitSource<'a> for &'a RateLimit {
    #[inline]
    fn handle(self) -> Handle<'a> {
        Handle::Borrowed(self)
    }
}

// The clone borrows nothing: the handle outlives the borrow of the `Arc`.
impl RateLimitSource<'static> for &std::sync::Arc<RateLimit> {
    #[inline]
    fn handle(self) -> Handle<'static> {
        Handle::Shared(std::sync::Arc::clone(self))
    }
}

/// The rate limit of `in = EXPR` for one call: the reference, or a clone of the `Arc`.
#[derive(Debug)]
pub enum Handle<'a> {
    /// `in = &limit`.
    Borrowed(&'a RateLimit),
    /// `in = &arc`: a clone, so the call borrows nothing of where the `Arc` is kept.
    Shared(std::sync::Arc<RateLimit>),
}

impl core::ops::Deref for Handle<'_> {
    type Target = RateLimit;
    #[inline]
    fn deref(&self) -> &RateLimit {
        match self {
            Handle::Borrowed(limit) => limit,
            Handle::Shared(limit) => limit,
        }
    }
}

/// The rate limit of `in = EXPR`, for one call.
#[inline]
pub fn handle<'a, S: RateLimitSource<'a>>(source: S) -> Handle<'a> {
    source.handle()
}

/// An unsigned integer type, which a `const` number of calls of `#[rate_limited]` may have.
#[diagnostic::on_unimplemented(
    message = "the number of calls of #[rate_limited] must be an unsigned integer, not `{Self}`",
    label = "not an unsigned integer",
    note = "write a literal such as `10`, or name a `const` of type `u32` (or `u8` to `u128`, `usize`)"
)]
pub trait UnsignedCalls: Copy {}
impl UnsignedCalls for u8 {}
impl UnsignedCalls for u16 {}
impl UnsignedCalls for u32 {}
impl UnsignedCalls for u64 {}
impl UnsignedCalls for u128 {}
impl UnsignedCalls for usize {}

/// A `const` number of calls of `#[rate_limited]`, checked to be an unsigned integer (then widened
/// to a `u128` and checked by [`calls`]).
#[inline]
#[must_use]
pub const fn unsigned<T: UnsignedCalls>(n: T) -> T {
    n
}

/// A number of calls as a `u32`.
///
/// # Panics
///
/// If it does not fit: a compile error where the `static` is evaluated.
#[inline]
#[must_use]
pub const fn calls(n: u128) -> u32 {
    assert!(
        n <= u32::MAX as u128,
        "the number of calls per period of a RateLimit must fit in a u32: write the rate over a shorter period"
    );
    #[allow(clippy::cast_possible_truncation)] // checked just above
    let n = n as u32;
    n
}
