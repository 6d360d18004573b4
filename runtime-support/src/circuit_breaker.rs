//! `#[circuit_breaker]`: a [`Breaker`] that fails calls fast with [`Error::CircuitOpen`] after
//! repeated failures, and lets probe calls through again after a cool-down; the future that
//! generated code wraps each call in.
//!
//! The state machine itself, synchronous and model-checked, is in `circuit_breaker/state.rs` (the
//! encoding of its word in `word.rs`); this module adds the clock and the public type,
//! `circuit_breaker/events.rs` the tracing events, `circuit_breaker/call.rs` the future.
//!
//! [`Error::CircuitOpen`]: crate::Error::CircuitOpen

use core::fmt;
use core::time::Duration;
use std::sync::OnceLock;

use tokio::time::Instant;

use crate::duration::instant_after;

mod call;
mod events;
mod state;
mod word;

pub use call::{Site, call};
use state::{Config, Core, Phase};

/// A circuit breaker: after repeated failures of the calls it guards, it **opens** and fails every
/// call at once with [`Error::CircuitOpen`], without running it, for `reset`; then it lets
/// `half_open` **probe** calls through, and closes again when they all succeed (a failed probe
/// opens it for another `reset`).
///
/// `#[circuit_breaker]` gives a function a breaker of its own; `#[circuit_breaker(in = NAME)]`
/// makes functions share one, declared as a `static` (the constructor and its settings are
/// `const fn`s), so that the failures of one count for all: two calls to the same partner API, say.
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use taskward::{Breaker, BreakerState, circuit_breaker};
///
/// /// The payment provider: 3 failures in a row of any call to it stop all of them for 10s.
/// static PAYMENTS: Breaker = Breaker::new().failures(3).reset(Duration::from_secs(10));
///
/// #[circuit_breaker(in = PAYMENTS)]
/// async fn charge(cents: u64) -> io::Result<u64> {
///     if cents > 100 { Err(io::Error::other("declined: the provider is down")) } else { Ok(cents) }
/// }
///
/// #[circuit_breaker(in = PAYMENTS)]
/// async fn refund(cents: u64) -> io::Result<u64> {
///     Ok(cents)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// for _ in 0..3 {
///     assert!(charge(500).await.is_err()); // three failures...
/// }
/// // ... and the provider is left alone, by every function that shares the breaker.
/// let refused = refund(10).await.unwrap_err();
/// assert!(refused.to_string().ends_with("refund` refused: circuit open for another 10s"));
/// assert!(matches!(PAYMENTS.state(), BreakerState::Open { .. }));
/// assert_eq!(PAYMENTS.times_opened(), 1);
///
/// tokio::time::sleep(Duration::from_secs(10)).await;
/// assert_eq!(refund(10).await.unwrap(), 10); // the probe succeeds: closed again
/// assert_eq!(PAYMENTS.state(), BreakerState::Closed);
/// # }
/// ```
///
/// # Settings
///
/// [`Breaker::new`] has the defaults of `#[circuit_breaker]`: 5 consecutive failures open it, for
/// 30s, then 1 probe. Each setting is a `const fn` that checks its value (in a `static`, a value out
/// of range is a compile error):
///
/// - [`failures(n)`](Breaker::failures): `n` consecutive failures open it;
/// - [`rate(rate, window, min_calls)`](Breaker::rate): so does a share of failures of at least
///   `rate` among the last `window` calls, once there are `min_calls` of them; with a rate, the
///   consecutive rule is off unless `failures` is set too;
/// - [`reset(d)`](Breaker::reset): how long it stays open;
/// - [`half_open(n)`](Breaker::half_open): the probe calls it lets through, which must all succeed.
///
/// # Cost
///
/// A call of a closed breaker costs two loads of one atomic word, and one compare-exchange after a
/// failure or after the first success that follows failures; no lock, no allocation, no clock
/// reading. With a rate, each call also records its outcome: one read-modify-write of a counter and
/// one of a bit, or a load where the bit is already right. The clock is read when the breaker
/// opens, and by calls refused while it is open.
///
/// # Time
///
/// A breaker keeps its times on tokio's clock (paused time in tests moves it), in milliseconds: an
/// opening lasts `reset` rounded up to the millisecond, from the failure that caused it rounded up
/// to the millisecond. A test that pauses time should give each test its own breaker (`in =
/// &breaker`), not share a `static` with tests on other runtimes, whose paused clocks disagree.
///
/// [`Error::CircuitOpen`]: crate::Error::CircuitOpen
pub struct Breaker {
    core: Core,
    /// The instant the times of the state are counted from: the first reading of the clock, when
    /// the breaker first opens.
    base: OnceLock<Instant>,
    /// Whether [`Breaker::failures`] was called: a rate alone turns the consecutive rule off.
    failures_written: bool,
}

/// The state of a [`Breaker`], as [`Breaker::state`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerState {
    /// Calls run; their failures are counted.
    Closed,
    /// Calls fail at once with [`Error::CircuitOpen`] until `until`; the first call from then on
    /// makes the breaker half-open and runs as its first probe. (An open breaker whose `until` has
    /// passed stays `Open` until that call comes.)
    ///
    /// [`Error::CircuitOpen`]: crate::Error::CircuitOpen
    Open {
        /// When the next call runs as a probe (tokio's clock).
        until: Instant,
    },
    /// The probe calls run, the other calls fail at once with [`Error::CircuitOpen`].
    ///
    /// [`Error::CircuitOpen`]: crate::Error::CircuitOpen
    HalfOpen {
        /// The probes let through so far in this half-open period (a probe dropped before it
        /// ended gives its place back).
        admitted: u32,
        /// The probes that succeeded; when all `half_open` have, the breaker closes.
        succeeded: u32,
    },
}

impl Breaker {
    /// The consecutive failures that open a breaker, by default.
    pub const DEFAULT_FAILURES: u32 = 5;
    /// How long a breaker stays open, by default.
    pub const DEFAULT_RESET: Duration = Duration::from_secs(30);
    /// The probe calls of a half-open breaker, by default.
    pub const DEFAULT_HALF_OPEN: u32 = 1;
    /// The largest `window` of [`Breaker::rate`], in calls.
    pub const MAX_WINDOW: u32 = state::MAX_WINDOW;
    /// The most probe calls of [`Breaker::half_open`].
    pub const MAX_HALF_OPEN: u32 = state::MAX_PROBES;

    /// A closed breaker with the defaults: 5 consecutive failures open it for 30s, then 1 probe
    /// call. A `const fn`, for a `static`.
    ///
    /// ```
    /// static SEARCH: taskward::Breaker = taskward::Breaker::new();
    /// assert_eq!(SEARCH.state(), taskward::BreakerState::Closed);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Breaker {
            core: Core::new(Config {
                failures: Self::DEFAULT_FAILURES,
                rate_ppm: 0,
                window: 1,
                min_calls: 1,
                reset_ms: Self::DEFAULT_RESET.as_millis() as u64,
                half_open: Self::DEFAULT_HALF_OPEN,
            }),
            base: OnceLock::new(),
            failures_written: false,
        }
    }

    /// Opens after `failures` consecutive failures (a success starts the count again).
    ///
    /// # Panics
    ///
    /// If `failures` is zero; in a `static`, that is a compile error:
    ///
    /// ```compile_fail
    /// static NEVER: taskward::Breaker = taskward::Breaker::new().failures(0);
    /// ```
    #[must_use]
    pub const fn failures(mut self, failures: u32) -> Self {
        assert!(
            failures > 0,
            "a Breaker opens after at least 1 failure: `failures` must be at least 1"
        );
        self.core.config.failures = failures;
        self.failures_written = true;
        self
    }

    /// Opens when at least `rate` of the last `window` calls failed, once the window holds
    /// `min_calls` calls: `rate(0.5, 20, 10)` opens when half of the last 20 calls failed, not
    /// before 10 calls. Unless [`failures`](Breaker::failures) is set too, the consecutive rule is
    /// then off: `min_calls` is the smallest sample that may open the breaker.
    ///
    /// # Panics
    ///
    /// If `rate` is not above 0 and at most 1, `window` is not between 1 and
    /// [`MAX_WINDOW`](Breaker::MAX_WINDOW), or `min_calls` is not between 1 and `window`; in a
    /// `static`, these are compile errors:
    ///
    /// ```compile_fail
    /// static SMALL: taskward::Breaker = taskward::Breaker::new().rate(0.5, 5, 10);
    /// ```
    #[must_use]
    pub const fn rate(mut self, rate: f64, window: u32, min_calls: u32) -> Self {
        assert!(
            rate > 0.0 && rate <= 1.0,
            "a Breaker's failure rate is above 0 and at most 1 (the share of failed calls that opens it)"
        );
        assert!(
            window >= 1 && window <= Self::MAX_WINDOW,
            "a Breaker's window is between 1 and Breaker::MAX_WINDOW calls"
        );
        assert!(
            min_calls >= 1 && min_calls <= window,
            "a Breaker's min_calls is between 1 and its window"
        );
        // Millionths, rounded, at least 1. `rate` is at most 1: the product fits.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ppm = (rate * 1_000_000.0 + 0.5) as u32;
        self.core.config.rate_ppm = if ppm == 0 { 1 } else { ppm };
        self.core.config.window = window;
        self.core.config.min_calls = min_calls;
        if !self.failures_written {
            self.core.config.failures = 0;
        }
        self
    }

    /// Stays open for `reset` (rounded up to the millisecond) before it lets a probe through.
    ///
    /// # Panics
    ///
    /// If `reset` is zero; in a `static`, that is a compile error:
    ///
    /// ```compile_fail
    /// static EAGER: taskward::Breaker = taskward::Breaker::new().reset(std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub const fn reset(mut self, reset: Duration) -> Self {
        assert!(
            !reset.is_zero(),
            "a Breaker stays open for some time: `reset` must be above zero"
        );
        let ms = reset.as_nanos().div_ceil(1_000_000);
        self.core.config.reset_ms = if ms > word::PAYLOAD_MAX as u128 {
            word::PAYLOAD_MAX
        } else {
            // At most `PAYLOAD_MAX`, checked above.
            #[allow(clippy::cast_possible_truncation)]
            let ms = ms as u64;
            ms
        };
        self
    }

    /// Lets `probes` calls through when half-open; it closes when all of them succeed, and opens
    /// again at the first that fails.
    ///
    /// # Panics
    ///
    /// If `probes` is zero or above [`MAX_HALF_OPEN`](Breaker::MAX_HALF_OPEN); in a `static`, that
    /// is a compile error:
    ///
    /// ```compile_fail
    /// static STUCK: taskward::Breaker = taskward::Breaker::new().half_open(0);
    /// ```
    #[must_use]
    pub const fn half_open(mut self, probes: u32) -> Self {
        assert!(
            probes >= 1 && probes <= Self::MAX_HALF_OPEN,
            "a half-open Breaker lets between 1 and Breaker::MAX_HALF_OPEN probe calls through"
        );
        self.core.config.half_open = probes;
        self
    }

    /// The state now.
    ///
    /// ```
    /// use taskward::{Breaker, BreakerState};
    ///
    /// let breaker = Breaker::new();
    /// match breaker.state() {
    ///     BreakerState::Closed => println!("calls run"),
    ///     BreakerState::Open { until } => println!("calls refused until {until:?}"),
    ///     BreakerState::HalfOpen { admitted, .. } => println!("{admitted} probe calls let through"),
    ///     _ => {}
    /// }
    /// ```
    #[must_use]
    pub fn state(&self) -> BreakerState {
        match self.core.phase() {
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { until } => BreakerState::Open {
                until: self.instant(until),
            },
            Phase::HalfOpen {
                admitted,
                succeeded,
            } => BreakerState::HalfOpen {
                admitted,
                succeeded,
            },
        }
    }

    /// The failures in a row of the calls of this closed period (0 when the breaker is open or
    /// half-open).
    #[must_use]
    pub fn consecutive_failures(&self) -> u32 {
        match self.core.phase() {
            Phase::Closed { consecutive } => consecutive,
            Phase::Open { .. } | Phase::HalfOpen { .. } => 0,
        }
    }

    /// The calls in the failure-rate window: those of the current closed period, or of the last one
    /// while the breaker is open, at most `window` (0 without a [`rate`](Breaker::rate)).
    #[must_use]
    pub fn window_calls(&self) -> u32 {
        self.core.window().0
    }

    /// The failures among [`window_calls`](Breaker::window_calls).
    #[must_use]
    pub fn window_failures(&self) -> u32 {
        self.core.window().1
    }

    /// The times the breaker has opened.
    #[must_use]
    pub fn times_opened(&self) -> u64 {
        self.core.times_opened()
    }

    /// Nanoseconds since the base, which the first reading sets.
    fn nanos(&self) -> u64 {
        let now = Instant::now();
        let base = *self.base.get_or_init(|| now);
        u64::try_from(now.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The instant `ms` milliseconds after the base.
    fn instant(&self, ms: u64) -> Instant {
        // The base is set before any time is stored.
        let base = *self.base.get_or_init(Instant::now);
        instant_after(base, Duration::from_millis(ms))
    }
}

impl Default for Breaker {
    /// [`Breaker::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Breaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.core.config;
        let mut debug = f.debug_struct("Breaker");
        debug.field("state", &self.state());
        if config.failures != 0 {
            debug
                .field("failures", &config.failures)
                .field("consecutive_failures", &self.consecutive_failures());
        }
        if config.rate_ppm != 0 {
            let (calls, failures) = self.core.window();
            debug
                .field("rate", &(f64::from(config.rate_ppm) / 1e6))
                .field("window", &config.window)
                .field("min_calls", &config.min_calls)
                .field("window_calls", &calls)
                .field("window_failures", &failures);
        }
        debug
            .field("reset", &Duration::from_millis(config.reset_ms))
            .field("half_open", &config.half_open)
            .field("times_opened", &self.times_opened())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// What generated code calls: each call through the breaker.

/// What `when = ...` of `#[circuit_breaker]` takes: a function of the error that says whether it
/// counts as a failure.
#[diagnostic::on_unimplemented(
    message = "`when = ...` of #[circuit_breaker] takes a function `fn(&{E}) -> bool`",
    label = "not a `fn(&{E}) -> bool`",
    note = "the function says whether an error counts as a failure of the breaker: `fn is_outage(error: &{E}) -> bool`"
)]
pub trait Predicate<E: ?Sized> {
    /// Whether `error` counts as a failure.
    fn counts(&self, error: &E) -> bool;
}

impl<E: ?Sized, P: Fn(&E) -> bool> Predicate<E> for P {
    #[inline]
    fn counts(&self, error: &E) -> bool {
        self(error)
    }
}

/// The error of a body, for `when = predicate`: its type fixed first, so that a predicate of
/// another type is reported as one.
pub struct BodyError<'e, E: ?Sized>(&'e E);

/// The body's error, for `when = predicate` (`BodyError::counts`).
#[inline]
pub fn body_error<E: ?Sized>(error: &E) -> BodyError<'_, E> {
    BodyError(error)
}

impl<E: ?Sized> BodyError<'_, E> {
    /// `when = predicate` applied to the error.
    #[inline]
    pub fn counts<P: Predicate<E>>(&self, predicate: P) -> bool {
        predicate.counts(self.0)
    }
}

/// What `in = EXPR` of `#[circuit_breaker]` takes: a `&Breaker` (borrowed for the call) or a
/// `&Arc<Breaker>` (cloned, so the call borrows nothing: what a `&mut self` method needs).
#[diagnostic::on_unimplemented(
    message = "`in = ...` of #[circuit_breaker] takes a `&Breaker` or a `&Arc<Breaker>`, not `{Self}`",
    label = "this is not a circuit breaker",
    note = "share a `static PARTNER: Breaker` with `in = PARTNER`, or one of your own with `in = &self.breaker` (keep it in an `Arc<Breaker>` for `&mut self` methods)"
)]
pub trait BreakerSource<'a> {
    /// Takes the handle.
    fn handle(self) -> Handle<'a>;
}

impl<'a> BreakerSource<'a> for &'a Breaker {
    #[inline]
    fn handle(self) -> Handle<'a> {
        Handle::Borrowed(self)
    }
}

// The clone borrows nothing: the handle outlives the borrow of the `Arc`.
impl BreakerSource<'static> for &std::sync::Arc<Breaker> {
    #[inline]
    fn handle(self) -> Handle<'static> {
        Handle::Shared(std::sync::Arc::clone(self))
    }
}

/// The breaker of `in = EXPR` for one call: the reference, or a clone of the `Arc`.
pub type Handle<'a> = crate::handle::Handle<'a, Breaker>;

/// The breaker of `in = EXPR`, for one call.
#[inline]
pub fn handle<'a, S: BreakerSource<'a>>(source: S) -> Handle<'a> {
    source.handle()
}

#[cfg(test)]
mod tests;
