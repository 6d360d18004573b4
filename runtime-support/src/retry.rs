//! `#[retry]`: run a body again after it returns an `Err`, with exponential backoff, within a
//! number of attempts, an optional cap on the whole call (`total`, and the deadline of an outer
//! `#[with_timeout]`), and a retry budget per function ([`RetryBudget`], tower's and Finagle's
//! idea) so that retries cannot multiply the load on a dependency that is down.
//!
//! A panic is not caught: it unwinds through the call as if `#[retry]` were not there.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::backoff::Backoff;
use crate::duration::{DisplayDuration, instant_after};
use crate::meta::Meta;

/// The resolved options of one `#[retry]` function, built as a `static` by generated code; its
/// budget, when it has one, is another `static` (the function's shared state), so that the policy
/// itself is plain constant data, which the compiler reads at compile time on the success path.
///
/// - At most `attempts` calls of the body (the first included): `attempts = 3` retries twice.
/// - The k-th retry (k = 0, 1, ...) waits a delay drawn uniformly from
///   `[backoff_min, min(backoff_max, backoff_min·2^k)]` (with `jitter = false`: its upper end).
/// - `total`: no retry whose delay would end at or past `total` after the call began.
/// - `budget`: a retry needs a token of the function's [`RetryBudget`].
#[derive(Debug)]
pub struct RetryPolicy {
    /// The most attempts of one call (calls of the body, not retries), at least 1.
    pub attempts: u32,
    /// The first, and smallest, backoff delay.
    pub backoff_min: Duration,
    /// The largest backoff delay.
    pub backoff_max: Duration,
    /// Draw each delay uniformly within its bounds (`false`: take the upper bound).
    pub jitter: bool,
    /// A cap on the whole call, from the start of the first attempt: no attempt begins at or past
    /// it.
    pub total: Option<Duration>,
    /// The function's retry budget, shared by all its calls; `None`: retries are not budgeted.
    pub budget: Option<&'static RetryBudget>,
}

/// One retry, in millionths: the unit of a [`RetryBudget`]'s balance.
const RETRY: u64 = 1_000_000;

/// The floor of a [`RetryBudget`]: retries it allows per second whatever the calls.
const FLOOR_PER_SECOND: u64 = 10;

/// The most a [`RetryBudget`] holds, and what it starts with: 100 retries (ten seconds of the
/// floor).
const RESERVE: u64 = 100 * RETRY;

/// The retry budget of one `#[retry]` function (tower's `TpsBudget`, after Finagle's
/// `RetryBudget`): each call puts a fraction of a retry in, each retry takes one out, and a retry
/// that finds less than one is refused. Under sustained failure, retries can add at most that
/// fraction of the calls to the load, plus the floor, instead of multiplying it by `attempts`.
///
/// - Each call deposits `per_call` (in millionths of a retry: `200_000` is `budget = 0.2`).
/// - Each retry withdraws one retry, if the balance holds one; otherwise the retry is refused.
/// - A floor of 10 retries per second (of the runtime's clock, paused in tests) is credited over
///   time, so that a function called rarely can still retry.
/// - The balance holds at most 100 retries, and starts full: a burst of failures after a calm
///   period may retry up to 100 times before the fraction applies.
///
/// Lock-free: a call's deposit is a relaxed load, and a relaxed add while the balance is below
/// its cap (none once it is full, so a function that keeps succeeding writes nothing); a retry
/// is a few compare-and-swaps. The orderings are relaxed throughout: the balance guards nothing
/// but itself, and a retry allowed or refused a moment early is a matter of one token.
///
/// ```
/// use std::time::Duration;
/// use taskward::__private::retry::RetryBudget;
/// use tokio::time::Instant;
///
/// // `budget = 0.5`: one retry for every two calls, beyond the reserve and the floor.
/// let budget = RetryBudget::new(500_000);
/// let t0 = Instant::now();
/// assert!((0..100).all(|_| budget.try_withdraw(t0))); // the reserve
/// assert!(!budget.try_withdraw(t0));
/// budget.deposit();
/// budget.deposit();
/// assert!(budget.try_withdraw(t0)); // two calls paid for one retry
/// assert!(!budget.try_withdraw(t0));
/// assert!(budget.try_withdraw(t0 + Duration::from_millis(100))); // the floor: 10 a second
/// assert!(!budget.try_withdraw(t0 + Duration::from_millis(100)));
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    /// What each call deposits, in millionths of a retry.
    per_call: u64,
    /// The retries available, in millionths.
    balance: AtomicU64,
    /// How far the floor has been credited: microseconds since `origin`.
    credited: AtomicU64,
    /// The first instant the budget was asked for a retry: the origin of `credited`.
    origin: OnceLock<Instant>,
}

impl RetryBudget {
    /// A budget to which each call deposits `per_call` millionths of a retry.
    #[must_use]
    pub const fn new(per_call: u64) -> Self {
        RetryBudget {
            per_call,
            balance: AtomicU64::new(RESERVE),
            credited: AtomicU64::new(0),
            origin: OnceLock::new(),
        }
    }

    /// A call's deposit.
    #[inline]
    pub fn deposit(&self) {
        if self.balance.load(Relaxed) < RESERVE {
            // Concurrent deposits may pass the cap by a few calls' worth: harmless.
            self.balance.fetch_add(self.per_call, Relaxed);
        }
    }

    /// Takes one retry out at `now` (after crediting the floor up to `now`); `false`, taking
    /// nothing, when the balance holds less than one.
    pub fn try_withdraw(&self, now: Instant) -> bool {
        self.credit_floor(now);
        self.balance
            .fetch_update(Relaxed, Relaxed, |balance| balance.checked_sub(RETRY))
            .is_ok()
    }

    /// The retries available now, floor not credited (whole retries, rounded down).
    #[must_use]
    pub fn available(&self) -> u64 {
        self.balance.load(Relaxed) / RETRY
    }

    /// Credits the floor for the time since it was last credited: 10 retries a second is 10
    /// millionths of a retry a microsecond, so nothing is lost to rounding.
    fn credit_floor(&self, now: Instant) {
        let origin = *self.origin.get_or_init(|| now);
        let micros =
            u64::try_from(now.saturating_duration_since(origin).as_micros()).unwrap_or(u64::MAX);
        let credited = self.credited.load(Relaxed);
        if micros <= credited
            || self
                .credited
                .compare_exchange(credited, micros, Relaxed, Relaxed)
                .is_err()
        {
            // Credited up to now already, or by a concurrent retry.
            return;
        }
        let floor = (micros - credited).saturating_mul(FLOOR_PER_SECOND * RETRY / 1_000_000);
        let _ = self.balance.fetch_update(Relaxed, Relaxed, |balance| {
            (balance < RESERVE).then(|| balance.saturating_add(floor).min(RESERVE))
        });
    }
}

/// Why a call gives up before its last attempt, or after it.
#[derive(Clone, Copy)]
enum GiveUp {
    /// The attempts are spent.
    Attempts,
    /// The next delay would end at or past `total`.
    Total,
    /// The next delay would end at or past the deadline of an outer `#[with_timeout]`.
    Deadline,
    /// The function's retry budget refused the retry.
    Budget,
}

/// The state of one call of a `#[retry]` function; generated code drives it:
///
/// ```
/// use std::time::Duration;
/// use taskward::__private::{Meta, retry::{Retry, RetryPolicy}};
///
/// static META: Meta = Meta::new("app::fetch");
/// static POLICY: RetryPolicy = RetryPolicy {
///     attempts: 3,
///     backoff_min: Duration::from_millis(100),
///     backoff_max: Duration::from_secs(5),
///     jitter: true,
///     total: None,
///     budget: None,
/// };
///
/// async fn fetch(n: &mut u32) -> Result<u32, String> {
///     *n += 1;
///     if *n < 3 { Err(format!("attempt {n} failed")) } else { Ok(*n) }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut n = 0;
/// let mut retry = Retry::new(&META, &POLICY, None);
/// let result: Result<u32, String> = loop {
///     let delay = match fetch(&mut n).await {
///         Ok(v) => break Ok(v),
///         Err(e) => match retry.next_delay(&e) {
///             Some(delay) => delay,
///             None => break Err(e),
///         },
///     };
///     retry.backoff(delay).await;
/// };
/// assert_eq!(result, Ok(3));
/// assert_eq!(retry.attempt(), 3);
/// # }
/// ```
#[derive(Debug)]
pub struct Retry {
    meta: &'static Meta,
    policy: &'static RetryPolicy,
    /// The attempt in progress (the first is attempt 1).
    attempt: u32,
    /// The earlier of `total` and the outer deadline, if any: no attempt begins at or past it.
    deadline: Option<Instant>,
    /// Whether `deadline` is `total`'s (for the event that says why the call gave up).
    deadline_is_total: bool,
    /// Made at the first retry: a call that succeeds at once never needs it.
    backoff: Option<Backoff>,
}

impl Retry {
    /// The state of a call that begins now: deposits the call into the function's budget, and
    /// reads the clock only when the policy has a `total`. `outer` is the deadline of a
    /// `#[with_timeout]` above `#[retry]` in the same stack.
    #[inline]
    #[must_use]
    pub fn new(meta: &'static Meta, policy: &'static RetryPolicy, outer: Option<Instant>) -> Self {
        if let Some(budget) = policy.budget {
            budget.deposit();
        }
        let (deadline, deadline_is_total) = match policy.total {
            None => (outer, false),
            Some(total) => {
                let cap = instant_after(Instant::now(), total);
                match outer {
                    Some(outer) if outer < cap => (Some(outer), false),
                    _ => (Some(cap), true),
                }
            }
        };
        Retry {
            meta,
            policy,
            attempt: 1,
            deadline,
            deadline_is_total,
            backoff: None,
        }
    }

    /// The attempt in progress, or the last one made (the first is attempt 1).
    #[must_use]
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }

    /// After an attempt that returned `err`, an error to retry on: the delay before the next
    /// attempt, or `None` to give up with `err` (the attempts are spent, the delay would end at
    /// or past the deadline, or the budget refuses). Emits the event that says which.
    pub fn next_delay(&mut self, err: &dyn fmt::Display) -> Option<Duration> {
        if self.attempt >= self.policy.attempts {
            self.gave_up(err, GiveUp::Attempts, None);
            return None;
        }
        let policy = self.policy;
        let delay = self
            .backoff
            .get_or_insert_with(|| {
                Backoff::new(policy.backoff_min, policy.backoff_max, policy.jitter)
            })
            .next_delay();
        let now = (self.deadline.is_some() || policy.budget.is_some()).then(Instant::now);
        if let (Some(deadline), Some(now)) = (self.deadline, now)
            && instant_after(now, delay) >= deadline
        {
            let why = if self.deadline_is_total {
                GiveUp::Total
            } else {
                GiveUp::Deadline
            };
            self.gave_up(err, why, Some(delay));
            return None;
        }
        if let (Some(budget), Some(now)) = (policy.budget, now)
            && !budget.try_withdraw(now)
        {
            self.gave_up(err, GiveUp::Budget, Some(delay));
            return None;
        }
        self.retrying(err, delay);
        self.attempt += 1;
        Some(delay)
    }

    /// The backoff sleep before the next attempt.
    #[inline]
    pub fn backoff(&self, delay: Duration) -> Sleep {
        tokio::time::sleep(delay)
    }

    /// After an attempt that returned `err`, an error that `on` or `when` leaves out: returned as
    /// it is (a `debug` event says so).
    #[cold]
    pub fn not_retried(&self, err: &dyn fmt::Display) {
        tracing::debug!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.attempt,
            error = %err,
            "failed with an error that is not retried"
        );
    }

    #[cold]
    fn retrying(&self, err: &dyn fmt::Display, delay: Duration) {
        tracing::warn!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.attempt,
            attempts = self.policy.attempts,
            error = %err,
            delay = %DisplayDuration(delay),
            "failed: retrying"
        );
        crate::metrics::retried(self.meta);
    }

    #[cold]
    fn gave_up(&self, err: &dyn fmt::Display, why: GiveUp, delay: Option<Duration>) {
        let delay = delay.map(DisplayDuration);
        let (function, attempt, attempts) =
            (self.meta.function, self.attempt, self.policy.attempts);
        match why {
            GiveUp::Attempts => tracing::warn!(
                target: "taskward",
                function,
                attempt,
                attempts,
                error = %err,
                "failed: attempts spent, giving up"
            ),
            GiveUp::Total => tracing::warn!(
                target: "taskward",
                function,
                attempt,
                attempts,
                error = %err,
                delay = delay.map(tracing::field::display),
                total = self.policy.total.map(|t| tracing::field::display(DisplayDuration(t))),
                "failed: the next attempt could not begin within `total`, giving up"
            ),
            GiveUp::Deadline => tracing::warn!(
                target: "taskward",
                function,
                attempt,
                attempts,
                error = %err,
                delay = delay.map(tracing::field::display),
                "failed: the next attempt could not begin before the deadline, giving up"
            ),
            GiveUp::Budget => tracing::warn!(
                target: "taskward",
                function,
                attempt,
                attempts,
                error = %err,
                "failed: the retry budget refused a retry, giving up"
            ),
        }
    }
}

/// The output of a `#[retry]` function: a `Result`, whose `Err` is retried.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named like a `Result`, but it is not one",
    label = "#[retry] runs the body again on the `Err` of the function's `Result`",
    note = "taskward reads a return type whose name ends in `Result` as a `Result`",
    note = "return a `Result` (`Result<T, E>`, or an alias of it whose name ends in `Result`); if `{Self}` is not one, import it under a name that does not end in `Result`"
)]
pub trait Outcome {
    /// The error retried on, and returned when the call gives up.
    type Err;
    /// The error, if it is one.
    fn error(&self) -> Option<&Self::Err>;
}

impl<T, E> Outcome for Result<T, E> {
    type Err = E;
    #[inline]
    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// The error of an attempt's output, if it failed (the output is checked to be a `Result`, with
/// a message at the return type).
#[inline]
pub fn failure<R: Outcome>(output: &R) -> Option<&R::Err> {
    output.error()
}

/// `when = predicate`, asked about `err` (first, so that the error type is known when the
/// predicate's is checked: a function of another type is reported at the predicate, with both
/// signatures).
#[inline]
pub fn when<E, P: FnOnce(&E) -> bool>(err: &E, predicate: P) -> bool {
    predicate(err)
}

#[cfg(test)]
mod tests;
