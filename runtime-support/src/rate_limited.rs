//! `#[rate_limited]`: a named rate limit that several functions can share ([`RateLimit`]), and the
//! waits for its slots that generated code makes (their futures in `rate_limited/wait.rs`).

use core::fmt;
use core::sync::atomic::AtomicUsize;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use std::sync::OnceLock;

use tokio::time::Instant;

use crate::duration::DisplayDuration;
use crate::meta::Meta;
use crate::sync::atomic::AtomicU64;

// `RateLimit::fleet` and its builders.
#[cfg(feature = "redis")]
mod fleet;
mod gcra;
pub(crate) mod wait;

use gcra::Gcra;
pub use wait::{acquire, acquire_within, rejected};

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
    pub(crate) started: AtomicU64,
    pub(crate) waited: AtomicU64,
    rejected: AtomicU64,
    pub(crate) waiting: AtomicUsize,
    /// A fleet limit's name and fleet-wide GCRA (its own `gcra` is then the local share).
    #[cfg(feature = "redis")]
    pub(crate) fleet: Option<crate::fleet::rate::RateSpec>,
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
            #[cfg(feature = "redis")]
            fleet: None,
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
        #[cfg(feature = "redis")]
        if let Some(spec) = &self.fleet {
            let (name, unavailable) = (spec.name, spec.unavailable);
            core::mem::forget(self);
            return Self::build_fleet(name, calls, per, burst, unavailable);
        }
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
        #[cfg(feature = "redis")]
        if let Some(spec) = &self.fleet {
            return Duration::from_micros(spec.interval_us);
        }
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
pub type Handle<'a> = crate::handle::Handle<'a, RateLimit>;

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
