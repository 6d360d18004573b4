//! `#[supervised]`: run a body again after it fails (an `Err` or a caught panic), with a restart
//! budget (OTP's supervisor intensity) and exponential backoff (Akka's backoff supervisor).

use core::fmt;
use core::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::catch_panic::{CatchPanic, Panic};
use crate::duration::{DisplayDuration, instant_after};
use crate::meta::Meta;
use crate::restart_window::RestartBudget;
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

/// The state of one call of a `#[supervised]` function; generated code drives it:
///
/// ```
/// use std::time::Duration;
/// use taskward::{Shutdown, __private::{Meta, supervised::{SupervisePolicy, Supervisor}}};
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
    /// The caught [`Panic`], when a poll of `fut` panicked, or dropping it once it had finished did
    /// (`fut` is dropped inside the catch).
    pub fn run<F: Future>(&mut self, fut: F) -> CatchPanic<F> {
        self.runs = self.runs.saturating_add(1);
        CatchPanic {
            fut: Some(fut),
            meta: self.meta,
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
        self.run_started = Some(instant_after(Instant::now(), delay));
        tracing::debug!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.runs,
            delay = %DisplayDuration(delay),
            "run ended: restarting (restart = \"always\")"
        );
        crate::metrics::restarted(self.meta);
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
        self.run_started = Some(instant_after(now, delay));
        tracing::warn!(
            target: "taskward",
            function = self.meta.function,
            attempt = self.runs,
            reason = %reason,
            delay = %DisplayDuration(delay),
            "{what}: restarting"
        );
        crate::metrics::restarted(self.meta);
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
mod tests;
