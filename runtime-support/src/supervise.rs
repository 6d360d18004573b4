//! Supervision: run a body again after it fails (an `Err` or a caught panic), with a restart budget
//! (OTP's supervisor intensity) and exponential backoff (Akka's backoff supervisor).

use core::any::Any;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use tokio::time::Instant;

use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;
use crate::shutdown::Shutdown;

/// The resolved options of one `#[supervised]` function, built as a `static` by generated code.
///
/// - At most `restarts` restarts within any sliding window of length `within` (OTP's intensity and
///   period); the failure that would make one more gives up. A restart counts at the instant of the
///   failure that caused it. `restarts = 0` never restarts.
/// - The k-th consecutive restart (k = 0, 1, 2, ...) waits a delay drawn uniformly from
///   `[backoff_min, min(backoff_max, backoff_min·2^k)]` (with `jitter = false`: its upper end).
/// - **Stable period**: a run that lasted at least `backoff_max` before failing resets k to 0, so
///   a worker that fails rarely restarts quickly each time.
/// - `always`: a run that returns successfully is restarted too (after `backoff_min`, which also
///   resets k), without counting against the budget; otherwise a success ends the call.
/// - No restart begins once shutdown of the function's coordinator has begun, and a backoff sleep
///   ends early when it begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupervisePolicy {
    /// The most restarts allowed within any window of `within`.
    pub restarts: u32,
    /// The length of the sliding window of the restart budget.
    pub within: Duration,
    /// The first, and smallest, backoff delay.
    pub backoff_min: Duration,
    /// The largest backoff delay, and the stable period that resets the backoff.
    pub backoff_max: Duration,
    /// Draw each delay uniformly within its bounds (`false`: take the upper bound).
    pub jitter: bool,
    /// Restart after a success too (a worker that must never end).
    pub always: bool,
}

/// Exponential backoff: the k-th delay is within `[min, min(max, min·2^k)]`.
///
/// ```
/// use std::time::Duration;
/// use taskward::__private::Backoff;
///
/// let ms = Duration::from_millis;
/// let mut backoff = Backoff::new(ms(100), ms(1000), false);
/// let delays: Vec<_> = (0..6).map(|_| backoff.next_delay()).collect();
/// assert_eq!(delays, [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
/// backoff.reset();
/// assert_eq!(backoff.next_delay(), ms(100));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter: bool,
    /// The number of consecutive delays given since the last reset.
    step: u32,
}

impl Backoff {
    /// A backoff from `min` to `max` (a `max` below `min` is taken as `min`).
    #[must_use]
    pub const fn new(min: Duration, max: Duration, jitter: bool) -> Self {
        let max = if max.as_nanos() < min.as_nanos() {
            min
        } else {
            max
        };
        Backoff {
            min,
            max,
            jitter,
            step: 0,
        }
    }

    /// The number of delays given since the last reset (the `k` of the next delay).
    #[must_use]
    pub const fn step(&self) -> u32 {
        self.step
    }

    /// Starts again from the smallest delay.
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// The upper bound of the `k`-th delay: `min·2^k` capped at `max`, without overflow.
    #[must_use]
    pub fn upper_bound(&self, k: u32) -> Duration {
        1u32.checked_shl(k)
            .and_then(|factor| self.min.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The next delay, drawn within its bounds with jitter, else its upper bound.
    pub fn next_delay(&mut self) -> Duration {
        let upper = self.upper_bound(self.step);
        self.step = self.step.saturating_add(1);
        if !self.jitter || upper <= self.min {
            return upper;
        }
        let (lo, hi) = (self.min.as_nanos(), upper.as_nanos());
        let nanos = fastrand::u128(lo..=hi);
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        #[allow(clippy::cast_possible_truncation)] // below 10^9
        let sub = (nanos % 1_000_000_000) as u32;
        Duration::new(secs, sub).clamp(self.min, upper)
    }
}

/// The restart budget: at most `restarts` restarts within any sliding window of `within`.
///
/// ```
/// use std::time::Duration;
/// use taskward::__private::RestartBudget;
/// use tokio::time::Instant;
///
/// let mut budget = RestartBudget::new(2, Duration::from_secs(10));
/// let t0 = Instant::now();
/// assert!(budget.try_restart(t0));
/// assert!(budget.try_restart(t0 + Duration::from_secs(1)));
/// assert!(!budget.try_restart(t0 + Duration::from_secs(9))); // a 3rd within 10s
/// assert!(budget.try_restart(t0 + Duration::from_secs(10))); // the first left the window
/// ```
#[derive(Debug, Clone)]
pub struct RestartBudget {
    restarts: u32,
    within: Duration,
    /// The instants of the restarts within the window, oldest first (allocated on the first).
    recent: VecDeque<Instant>,
}

impl RestartBudget {
    /// A budget of `restarts` restarts per sliding window of `within`.
    #[must_use]
    pub const fn new(restarts: u32, within: Duration) -> Self {
        RestartBudget {
            restarts,
            within,
            recent: VecDeque::new(),
        }
    }

    /// Records a restart at `now` and returns `true` if the budget allows it; returns `false`
    /// (recording nothing) if it would make more than `restarts` restarts within the window that
    /// ends at `now`. A restart at `r` is within that window while `now - r < within`.
    pub fn try_restart(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.recent.front() {
            if now.saturating_duration_since(oldest) >= self.within {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        if self.recent.len() >= self.restarts as usize {
            return false;
        }
        self.recent.push_back(now);
        true
    }

    /// The restarts within the window as of the last [`try_restart`](Self::try_restart).
    #[must_use]
    pub fn recent(&self) -> usize {
        self.recent.len()
    }
}

/// A panic caught in a supervised body: its message, and the function it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    function: &'static str,
    message: String,
}

impl Panic {
    fn from_payload(function: &'static str, payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        Panic { function, message }
    }

    /// The panic message (`&str` and `String` payloads; `"Box<dyn Any>"` for others).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The failure a call ends with when a panic exhausts its budget: [`Error::Panicked`].
    #[must_use]
    pub fn into_error(self) -> Error {
        Error::panicked(self.function, self.message)
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panicked: {}", self.message)
    }
}

/// The state of one call of a `#[supervised]` function; generated code drives it:
///
/// ```
/// use std::time::Duration;
/// use taskward::{Shutdown, __private::{Meta, SupervisePolicy, Supervisor}};
///
/// static META: Meta = Meta::new("app::flaky");
/// static POLICY: SupervisePolicy = SupervisePolicy {
///     restarts: 5,
///     within: Duration::from_secs(60),
///     backoff_min: Duration::from_millis(100),
///     backoff_max: Duration::from_secs(10),
///     jitter: true,
///     always: false,
/// };
///
/// async fn flaky(n: &mut u32) -> Result<u32, String> {
///     *n += 1;
///     if *n < 3 { Err(format!("attempt {n} failed")) } else { Ok(*n) }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut n = 0;
/// let mut sup = Supervisor::new(&META, &POLICY, Shutdown::global());
/// let result: Result<u32, String> = loop {
///     match sup.run(flaky(&mut n)).await {
///         Ok(Ok(v)) => if sup.restart_after_ok().await { continue } else { break Ok(v) },
///         Ok(Err(e)) => if sup.restart_after_error(&e).await { continue } else { break Err(e) },
///         Err(panic) => if sup.restart_after_panic(&panic).await { continue } else {
///             break Err(panic.into_error().to_string())
///         },
///     }
/// };
/// assert_eq!(result, Ok(3));
/// assert_eq!(sup.runs(), 3);
/// # }
/// ```
#[derive(Debug)]
pub struct Supervisor<'a> {
    meta: &'static Meta,
    policy: &'static SupervisePolicy,
    shutdown: &'a Shutdown,
    budget: RestartBudget,
    backoff: Backoff,
    /// When the last run began.
    run_started: Option<Instant>,
    /// The runs begun so far.
    runs: u32,
}

impl<'a> Supervisor<'a> {
    /// The supervisor of one call; `shutdown` is the coordinator whose shutdown stops restarts.
    #[must_use]
    pub const fn new(
        meta: &'static Meta,
        policy: &'static SupervisePolicy,
        shutdown: &'a Shutdown,
    ) -> Self {
        Supervisor {
            meta,
            policy,
            shutdown,
            budget: RestartBudget::new(policy.restarts, policy.within),
            backoff: Backoff::new(policy.backoff_min, policy.backoff_max, policy.jitter),
            run_started: None,
            runs: 0,
        }
    }

    /// The runs begun so far (the first run is run 1).
    #[must_use]
    pub const fn runs(&self) -> u32 {
        self.runs
    }

    /// Runs the body once, catching a panic of any of its polls.
    ///
    /// # Errors
    ///
    /// The caught [`Panic`], when a poll of `fut` panicked (`fut` is then dropped).
    pub fn run<F: Future>(&mut self, fut: F) -> CatchPanic<F> {
        self.runs = self.runs.saturating_add(1);
        CatchPanic {
            fut,
            function: self.meta.function,
        }
    }

    /// After a successful run: with `always`, waits `backoff_min` and returns `true` (run again),
    /// unless shutdown has begun or begins meanwhile; otherwise returns `false` at once.
    pub async fn restart_after_ok(&mut self) -> bool {
        if !self.policy.always {
            return false;
        }
        if self.shutdown.is_triggered() {
            self.log_no_restart_shutdown();
            return false;
        }
        self.backoff.reset();
        let delay = self.policy.backoff_min;
        self.run_started = Some(Instant::now() + delay);
        tracing::debug!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.runs,
            delay = %DisplayDuration(delay),
            "run ended: restarting (restart = \"always\")"
        );
        sleep_unless_shutdown(self.shutdown, delay).await
    }

    /// After a run that returned `err`: returns `true` once the backoff delay has passed if the
    /// body is to run again; `false` at once if the budget is spent or shutdown has begun, or when
    /// shutdown begins during the delay.
    pub fn restart_after_error(
        &mut self,
        err: &dyn fmt::Display,
    ) -> impl Future<Output = bool> + Send + use<'a> {
        let delay = self.on_failure(err, "failed");
        restart_after(self.shutdown, delay)
    }

    /// After a run that panicked: as [`restart_after_error`](Self::restart_after_error).
    pub fn restart_after_panic(
        &mut self,
        panic: &Panic,
    ) -> impl Future<Output = bool> + Send + use<'a> {
        let delay = self.on_failure(&panic.message, "panicked");
        restart_after(self.shutdown, delay)
    }

    /// Records a failure and decides: `Some(delay)` to restart after `delay`.
    fn on_failure(&mut self, reason: &dyn fmt::Display, what: &str) -> Option<Duration> {
        let now = Instant::now();
        if self.shutdown.is_triggered() {
            self.log_no_restart_shutdown();
            return None;
        }
        let stable = self.run_started.is_some_and(|started| {
            now.saturating_duration_since(started) >= self.policy.backoff_max
        });
        if stable {
            self.backoff.reset();
        }
        if !self.budget.try_restart(now) {
            tracing::error!(
                target: "taskward",
                function = self.meta.function,
                attempt = self.runs,
                reason = %reason,
                restarts = self.policy.restarts,
                within = %DisplayDuration(self.policy.within),
                "{what}: restart budget spent, giving up"
            );
            return None;
        }
        let delay = self.backoff.next_delay();
        // The next run starts when the delay ends: no clock read when a run begins.
        self.run_started = Some(now + delay);
        tracing::warn!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.runs,
            reason = %reason,
            delay = %DisplayDuration(delay),
            "{what}: restarting"
        );
        Some(delay)
    }

    fn log_no_restart_shutdown(&self) {
        tracing::debug!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.runs,
            "not restarting: shutting down"
        );
    }
}

async fn restart_after(shutdown: &Shutdown, delay: Option<Duration>) -> bool {
    match delay {
        Some(delay) => sleep_unless_shutdown(shutdown, delay).await,
        None => false,
    }
}

/// Sleeps `delay`; `false` if shutdown began first.
async fn sleep_unless_shutdown(shutdown: &Shutdown, delay: Duration) -> bool {
    tokio::select! {
        biased;
        () = shutdown.triggered_ref() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    const MS: fn(u64) -> Duration = Duration::from_millis;
    static META: Meta = Meta::new("app::worker");

    const fn policy(restarts: u32, within_ms: u64, min_ms: u64, max_ms: u64) -> SupervisePolicy {
        SupervisePolicy {
            restarts,
            within: Duration::from_millis(within_ms),
            backoff_min: Duration::from_millis(min_ms),
            backoff_max: Duration::from_millis(max_ms),
            jitter: false,
            always: false,
        }
    }

    #[test]
    fn budget_is_exact() {
        let t0 = Instant::now();
        let at = |ms| t0 + MS(ms);
        let mut b = RestartBudget::new(3, Duration::from_secs(10));
        assert!(b.try_restart(at(0)));
        assert!(b.try_restart(at(1000)));
        assert!(b.try_restart(at(2000)));
        // The 4th within 10s of the first: refused, and not recorded.
        assert!(!b.try_restart(at(9_999)));
        assert!(!b.try_restart(at(9_999)));
        assert_eq!(b.recent(), 3);
        // Exactly 10s after the first, it has left the window.
        assert!(b.try_restart(at(10_000)));
        assert!(!b.try_restart(at(10_500)));
        assert!(b.try_restart(at(11_000)));

        let mut none = RestartBudget::new(0, Duration::from_secs(10));
        assert!(!none.try_restart(at(0)));
        assert!(!none.try_restart(at(100_000)));
    }

    #[test]
    fn budget_window_slides() {
        let t0 = Instant::now();
        // Failures spaced wider than the window never give up, even with a budget of 1.
        let mut b = RestartBudget::new(1, Duration::from_secs(10));
        for i in 0..1000 {
            assert!(b.try_restart(t0 + MS(10_001 * i)));
            assert_eq!(b.recent(), 1);
        }
        // 2 per 1s with failures every 600ms: any 1s window holds at most 2.
        let mut b = RestartBudget::new(2, Duration::from_secs(1));
        for i in 0..1000 {
            assert!(b.try_restart(t0 + MS(600 * i)));
        }
        // ... but every 400ms, the 3rd in a window is refused.
        let mut b = RestartBudget::new(2, Duration::from_secs(1));
        assert!(b.try_restart(t0));
        assert!(b.try_restart(t0 + MS(400)));
        assert!(!b.try_restart(t0 + MS(800)));
        assert!(b.try_restart(t0 + MS(1000)));
    }

    #[test]
    fn backoff_without_jitter_doubles_to_the_cap() {
        let mut b = Backoff::new(MS(100), MS(2000), false);
        let delays: Vec<_> = (0..8).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 2000, 2000, 2000].map(MS));
        assert_eq!(b.step(), 8);
        b.reset();
        assert_eq!(b.next_delay(), MS(100));
    }

    #[test]
    fn backoff_never_overflows() {
        let b = Backoff::new(MS(100), MS(2000), false);
        for k in [31, 32, 33, 64, 1000, u32::MAX] {
            assert_eq!(b.upper_bound(k), MS(2000));
        }
        let huge = Backoff::new(Duration::MAX / 2, Duration::MAX, true);
        assert_eq!(huge.upper_bound(0), Duration::MAX / 2);
        assert_eq!(huge.upper_bound(1), (Duration::MAX / 2) * 2);
        assert_eq!(huge.upper_bound(2), Duration::MAX);
        assert_eq!(huge.upper_bound(40), Duration::MAX);
        let mut huge = huge;
        for _ in 0..100 {
            assert!(huge.next_delay() >= Duration::MAX / 2);
        }
        let mut stuck = Backoff {
            step: u32::MAX,
            ..Backoff::new(MS(1), MS(5), true)
        };
        assert!(stuck.next_delay() <= MS(5));
        assert_eq!(stuck.step(), u32::MAX);
        // max below min: min.
        assert_eq!(Backoff::new(MS(10), MS(1), false).next_delay(), MS(10));
    }

    #[test]
    fn backoff_with_jitter_stays_in_bounds_and_spreads() {
        let (min, max) = (MS(100), MS(2000));
        for k in 0..10u32 {
            let upper = (min * 2u32.pow(k)).min(max);
            let (mut low_half, mut high_half) = (0, 0);
            for _ in 0..2000 {
                let mut b = Backoff::new(min, max, true);
                b.step = k;
                let d = b.next_delay();
                assert!(
                    d >= min && d <= upper,
                    "k={k}: {d:?} outside [{min:?}, {upper:?}]"
                );
                if k > 0 {
                    if d < (min + upper) / 2 {
                        low_half += 1;
                    } else {
                        high_half += 1;
                    }
                }
            }
            if k > 0 {
                // Uniform: each half gets about 1000 of 2000 draws.
                assert!(
                    (800..=1200).contains(&low_half),
                    "k={k}: {low_half}/{high_half}"
                );
            } else {
                assert_eq!((low_half, high_half), (0, 0));
            }
        }
    }

    /// Drives `body` exactly as the generated code does, returning the result and the run count.
    async fn supervise<T, E: fmt::Display, F: Future<Output = Result<T, E>>>(
        policy: &'static SupervisePolicy,
        shutdown: &Shutdown,
        mut body: impl FnMut() -> F,
    ) -> (Result<T, Result<E, Error>>, u32) {
        let mut sup = Supervisor::new(&META, policy, shutdown);
        let result = loop {
            let run = body();
            match sup.run(run).await {
                Ok(Ok(v)) => {
                    if sup.restart_after_ok().await {
                        continue;
                    }
                    break Ok(v);
                }
                Ok(Err(e)) => {
                    if sup.restart_after_error(&e).await {
                        continue;
                    }
                    break Err(Ok(e));
                }
                Err(panic) => {
                    if sup.restart_after_panic(&panic).await {
                        continue;
                    }
                    break Err(Err(panic.into_error()));
                }
            }
        };
        (result, sup.runs())
    }

    #[test]
    fn generated_pattern_is_send() {
        fn is_send<T: Send>(_: T) {}
        static P: SupervisePolicy = policy(3, 1000, 10, 100);
        is_send(async {
            let (r, _) = supervise(&P, Shutdown::global(), move || async move {
                tokio::task::yield_now().await;
                Err::<(), String>("e".into())
            })
            .await;
            r
        });
    }

    #[tokio::test(start_paused = true)]
    async fn restarts_after_errors_with_backoff_until_success() {
        static P: SupervisePolicy = policy(5, 60_000, 100, 1000);
        let n = &AtomicU32::new(0);
        let t0 = Instant::now();
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            if n.fetch_add(1, SeqCst) < 3 {
                Err("not yet")
            } else {
                Ok("done")
            }
        })
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(runs, 4);
        assert_eq!(t0.elapsed(), MS(100 + 200 + 400));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_with_the_last_error_when_the_budget_is_spent() {
        static P: SupervisePolicy = policy(3, 10_000, 100, 1000);
        let n = &AtomicU32::new(0);
        let t0 = Instant::now();
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            Err::<(), _>(format!("failure {}", n.fetch_add(1, SeqCst) + 1))
        })
        .await;
        assert_eq!(result, Err(Ok("failure 4".to_owned())));
        assert_eq!(runs, 4, "3 restarts, then the 4th failure gives up");
        assert_eq!(t0.elapsed(), MS(100 + 200 + 400));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_spaced_wider_than_the_window_never_give_up() {
        // 2 restarts per 1s; each run lasts 500ms and the delay is 100ms: one failure per 600ms.
        static P: SupervisePolicy = policy(2, 1000, 100, 100);
        let n = &AtomicU32::new(0);
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            tokio::time::sleep(MS(500)).await;
            if n.fetch_add(1, SeqCst) < 50 {
                Err("again")
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(result, Ok(()));
        assert_eq!(runs, 51);

        // Runs of 300ms: one failure per 400ms, the 3rd within a second gives up.
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            tokio::time::sleep(MS(300)).await;
            Err::<(), _>("again")
        })
        .await;
        assert_eq!(result, Err(Ok("again")));
        assert_eq!(runs, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn panics_are_caught_with_their_message() {
        static P: SupervisePolicy = policy(2, 60_000, 10, 100);
        let n = &AtomicU32::new(0);
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            let i = n.fetch_add(1, SeqCst);
            tokio::task::yield_now().await;
            assert!(i != 0, "static message");
            assert!(i >= 10, "boom {i}");
            Ok::<(), String>(())
        })
        .await;
        assert_eq!(runs, 3);
        let Err(Err(err)) = result else {
            panic!("expected a panic error")
        };
        assert_eq!(
            err,
            Error::Panicked {
                function: "app::worker",
                message: "boom 2".into()
            }
        );

        // A panic then a success.
        let n = &AtomicU32::new(0);
        let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
            if n.fetch_add(1, SeqCst) == 0 {
                std::panic::panic_any(42_u8);
            }
            Ok::<_, String>(5)
        })
        .await;
        assert_eq!((result, runs), (Ok(5), 2));

        let mut sup = Supervisor::new(&META, &P, Shutdown::global());
        let panic = sup
            .run(async { std::panic::panic_any(42_u8) })
            .await
            .unwrap_err();
        assert_eq!(panic.message(), "Box<dyn Any>");
        assert_eq!(panic.to_string(), "panicked: Box<dyn Any>");
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_resets_after_a_stable_period() {
        static P: SupervisePolicy = policy(100, 60_000, 100, 1000);
        let starts = &std::sync::Mutex::new(Vec::new());
        let t0 = Instant::now();
        let (result, _) = supervise(&P, &Shutdown::new(), move || async move {
            let i = {
                let mut starts = starts.lock().unwrap();
                starts.push(t0.elapsed());
                starts.len()
            };
            match i {
                4 => tokio::time::sleep(MS(1000)).await, // stable: exactly backoff_max
                7 => tokio::time::sleep(MS(999)).await,  // not stable
                10 => return Ok(()),
                _ => {}
            }
            Err("e")
        })
        .await;
        assert_eq!(result, Ok(()));
        // Delays: 100, 200, 400 | run 4 lasts 1s -> reset: 100, 200, 400 | run 7 lasts 999ms: 800, 1000
        let expected = [0, 100, 300, 700, 1800, 2000, 2400, 4199, 5199, 6199].map(MS);
        assert_eq!(*starts.lock().unwrap(), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_stops_restarts_and_ends_the_backoff_early() {
        static P: SupervisePolicy = policy(100, 60_000, 10_000, 60_000);
        let s = Shutdown::new();
        let trigger = tokio::spawn({
            let s = s.clone();
            async move {
                tokio::time::sleep(MS(1500)).await;
                s.trigger();
            }
        });
        let t0 = Instant::now();
        let (result, n) = supervise(&P, &s, move || async move { Err::<(), _>("e") }).await;
        trigger.await.unwrap();
        assert_eq!((result, n), (Err(Ok("e")), 1));
        assert_eq!(
            t0.elapsed(),
            MS(1500),
            "the 10s backoff ended at the trigger"
        );

        // A failure after shutdown began is not restarted at all.
        let t0 = Instant::now();
        let (result, n) = supervise(&P, &s, move || async move { Err::<(), _>("e") }).await;
        assert_eq!((result, n), (Err(Ok("e")), 1));
        assert_eq!(t0.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn always_restarts_after_success_without_spending_the_budget() {
        static Q: SupervisePolicy = policy(1, 60_000, 100, 1000);
        static P: SupervisePolicy = SupervisePolicy {
            always: true,
            ..policy(1, 60_000, 100, 1000)
        };
        let s = &Shutdown::new();
        let n = &AtomicU32::new(0);
        let t0 = Instant::now();
        let (result, runs) = supervise(&P, s, move || async move {
            let i = n.fetch_add(1, SeqCst) + 1;
            match i {
                // One failure in the middle: the budget of 1 allows it; successes do not count.
                3 => Err("e"),
                10 => {
                    s.trigger();
                    Ok(i)
                }
                _ => Ok(i),
            }
        })
        .await;
        assert_eq!((result, runs), (Ok(10), 10));
        // 9 restarts: 8 after a success (100ms), 1 after the failure (100ms: k reset by the success).
        assert_eq!(t0.elapsed(), MS(900));

        // Without always, a success ends the call.
        let (result, runs) = supervise(
            &Q,
            &Shutdown::new(),
            move || async move { Ok::<_, &str>(1) },
        )
        .await;
        assert_eq!((result, runs), (Ok(1), 1));
    }
}

pin_project_lite::pin_project! {
    /// A run of a supervised body: its output, or the panic that ended it, caught. A named future
    /// rather than an `async fn`, so that the body's future is stored once, inline.
    #[must_use = "futures do nothing unless polled"]
    pub struct CatchPanic<F> {
        #[pin]
        fut: F,
        function: &'static str,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Panic>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let fut = this.fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(Panic::from_payload(this.function, &*payload))),
        }
    }
}
