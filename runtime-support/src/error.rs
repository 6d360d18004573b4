//! The one error type every taskward wrapper fails with.

use std::time::Duration;

use tokio::time::Instant;

use crate::duration::DisplayDuration;

/// Why a call of an annotated function failed before, or instead of, finishing its body.
///
/// Each variant names the function (its module path and name, as `module_path!()` gives them) and
/// the figures that explain the failure, and its `Display` says both:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// #[taskward::with_timeout("50ms")]
/// async fn lookup() -> u32 {
///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///     7
/// }
///
/// let err = lookup().await.unwrap_err();
/// assert!(matches!(err, taskward::Error::Timeout { .. }));
/// assert!(err.to_string().ends_with("lookup` timed out after 50ms"));
/// # }
/// ```
///
/// The enum and its variants are `#[non_exhaustive]`: match with `..` and a wildcard arm, so that
/// new attributes and new figures are not breaking changes. To build one (in a test, or a mock that
/// stands for an annotated function), use its constructor: [`Error::timeout`],
/// [`Error::rejected`], [`Error::circuit_open`], [`Error::shutting_down`], [`Error::cancelled`],
/// [`Error::panicked`], [`Error::rate_limited`], [`Error::limit_unavailable`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A fleet limit (kept in Redis) could not be reached within its deadline, and the limit
    /// says to fail then (`Unavailable::Fail`, the default, on a call with `wait = ..`).
    #[error("`{function}` failed: its fleet limit `{limit}` is unavailable (Redis did not answer)")]
    #[non_exhaustive]
    LimitUnavailable {
        /// The annotated function.
        function: &'static str,
        /// The name of the fleet limit.
        limit: &'static str,
    },

    /// The call did not finish within its `#[with_timeout]` limit; its body was dropped.
    #[error("`{function}` timed out after {}", DisplayDuration(*limit))]
    #[non_exhaustive]
    Timeout {
        /// The annotated function.
        function: &'static str,
        /// The limit that was exceeded.
        limit: Duration,
    },

    /// `#[bounded(.., wait = ..)]` found no free permit within `wait`, or
    /// `#[rate_limited(.., wait = ..)]` found the call's slot further away than `wait` (load
    /// shedding). The two are told apart by `per` and `retry_after`: `Some` for a rate limit.
    #[error("`{function}` rejected: {}", Why { limit: *limit, waited: *waited, per: *per, retry_after: *retry_after })]
    #[non_exhaustive]
    Rejected {
        /// The annotated function.
        function: &'static str,
        /// The number of permits of its bulkhead; for a rate limit, its number of calls per
        /// period.
        limit: usize,
        /// How long the call waited for a permit before giving up (zero for a rate limit, which
        /// rejects at once: it knows when the call's slot would be).
        waited: Duration,
        /// For a rate limit, its period; `None` for a bulkhead.
        per: Option<Duration>,
        /// For a rate limit, how long until the slot the call would have had: a caller may try
        /// again after that long (an HTTP `Retry-After`). `None` for a bulkhead, which cannot
        /// know when a permit will be free.
        retry_after: Option<Duration>,
    },

    /// The function's `#[circuit_breaker]` is open (or half-open, with all its probe calls
    /// running) and failed the call at once; the body never started.
    #[error("`{function}` refused: {}", Refusal(*until))]
    #[non_exhaustive]
    CircuitOpen {
        /// The annotated function.
        function: &'static str,
        /// When the breaker lets a probe call through (tokio's clock), or `None` when it is
        /// half-open and its probe calls are running.
        until: Option<Instant>,
    },

    /// The call was refused because shutdown of its [`Shutdown`](crate::Shutdown) coordinator had
    /// begun; the body never started.
    #[error("`{function}` refused: shutting down")]
    #[non_exhaustive]
    ShuttingDown {
        /// The annotated function.
        function: &'static str,
    },

    /// The call had started and was cancelled by shutdown (at once with `#[graceful(cancel)]`, or at
    /// the grace deadline of [`Shutdown::drain`](crate::Shutdown::drain)); its body was dropped.
    /// Also the end of a `#[blocking]` call whose runtime shut down before its body started.
    #[error("`{function}` cancelled by shutdown")]
    #[non_exhaustive]
    Cancelled {
        /// The annotated function.
        function: &'static str,
    },

    /// The body panicked and the panic was caught (`#[supervised]` after its restart budget, or a
    /// `#[blocking]` body).
    #[error("`{function}` panicked: {message}")]
    #[non_exhaustive]
    Panicked {
        /// The annotated function.
        function: &'static str,
        /// The panic message (`&str` or `String` payloads), or a placeholder for other payloads.
        message: String,
    },

    /// A test injected this failure into the run (feature `fault-injection`, `taskward::faults`);
    /// the body did not start.
    #[cfg(feature = "fault-injection")]
    #[error("`{function}` failed: fault injected (run {run})")]
    #[non_exhaustive]
    Injected {
        /// The annotated function.
        function: &'static str,
        /// The run of the function's body that it failed, counted from 1 since the injection.
        run: u64,
    },
}

impl Error {
    /// The annotated function the error comes from, as `module::path::name`.
    #[must_use]
    pub fn function(&self) -> &'static str {
        match self {
            Error::Timeout { function, .. }
            | Error::LimitUnavailable { function, .. }
            | Error::Rejected { function, .. }
            | Error::CircuitOpen { function, .. }
            | Error::ShuttingDown { function }
            | Error::Cancelled { function }
            | Error::Panicked { function, .. } => function,
            #[cfg(feature = "fault-injection")]
            Error::Injected { function, .. } => function,
        }
    }

    /// Whether the call was stopped by a deadline.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the call was refused by an open circuit breaker ([`Error::CircuitOpen`]).
    #[must_use]
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, Error::CircuitOpen { .. })
    }

    /// Whether the call was refused or cut short because of shutdown ([`Error::ShuttingDown`] or
    /// [`Error::Cancelled`]).
    #[must_use]
    pub fn is_shutdown(&self) -> bool {
        matches!(self, Error::ShuttingDown { .. } | Error::Cancelled { .. })
    }

    /// The error of a call cut by its `#[with_timeout]` `limit`: [`Error::Timeout`]. For tests and
    /// mocks that stand for an annotated function; `function` is as the wrapper gives it,
    /// `module::path::name`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::Error;
    ///
    /// let err = Error::timeout("app::fetch", Duration::from_secs(2));
    /// assert!(err.is_timeout());
    /// assert_eq!(err.to_string(), "`app::fetch` timed out after 2s");
    /// ```
    #[must_use]
    pub fn timeout(function: &'static str, limit: Duration) -> Self {
        Error::Timeout { function, limit }
    }

    /// The error of a call whose fleet limit `limit` did not answer: [`Error::LimitUnavailable`].
    ///
    /// ```
    /// use taskward::Error;
    ///
    /// let err = Error::limit_unavailable("app::fetch", "partner-api");
    /// assert!(err.is_limit_unavailable());
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`app::fetch` failed: its fleet limit `partner-api` is unavailable (Redis did not answer)"
    /// );
    /// ```
    #[must_use]
    pub fn limit_unavailable(function: &'static str, limit: &'static str) -> Self {
        Error::LimitUnavailable { function, limit }
    }

    /// Whether a fleet limit could not be reached ([`Error::LimitUnavailable`]).
    #[must_use]
    pub fn is_limit_unavailable(&self) -> bool {
        matches!(self, Error::LimitUnavailable { .. })
    }

    /// The error of a call shed by `#[bounded(limit, wait = ..)]` after waiting `waited`:
    /// [`Error::Rejected`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::Error;
    ///
    /// let err = Error::rejected("app::fetch", 8, Duration::from_millis(100));
    /// assert_eq!(err.to_string(), "`app::fetch` rejected: no permit of 8 free within 100ms");
    /// ```
    #[must_use]
    pub fn rejected(function: &'static str, limit: usize, waited: Duration) -> Self {
        Error::Rejected {
            function,
            limit,
            waited,
            per: None,
            retry_after: None,
        }
    }

    /// The error of a call shed by `#[rate_limited(calls, per = .., wait = ..)]` because its slot
    /// was `retry_after` away, further than it could wait: [`Error::Rejected`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::Error;
    ///
    /// let err = Error::rate_limited("app::fetch", 10, Duration::from_secs(1), Duration::from_millis(250));
    /// assert!(matches!(err, Error::Rejected { retry_after: Some(_), .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`app::fetch` rejected: over its rate of 10 calls per 1s; next slot in 250ms"
    /// );
    /// ```
    #[must_use]
    pub fn rate_limited(
        function: &'static str,
        calls: u32,
        per: Duration,
        retry_after: Duration,
    ) -> Self {
        Error::Rejected {
            function,
            limit: calls as usize,
            waited: Duration::ZERO,
            per: Some(per),
            retry_after: Some(retry_after),
        }
    }

    /// The error of a call refused by a circuit breaker, with no time to give: half-open with its
    /// probe calls running, or a mock's ([`Error::CircuitOpen`] with `until: None`).
    /// [`circuit_open_until`](Error::circuit_open_until) gives the time the breaker stays open
    /// until, which `Display` then says, counted from the moment it is displayed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskward::Error;
    /// use tokio::time::Instant;
    ///
    /// let err = Error::circuit_open_until("app::fetch", Instant::now() + Duration::from_secs(30));
    /// assert!(err.is_circuit_open());
    /// assert_eq!(err.to_string(), "`app::fetch` refused: circuit open for another 30s");
    ///
    /// let err = Error::circuit_open("app::fetch");
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`app::fetch` refused: circuit half-open, its probe calls running"
    /// );
    /// # }
    /// ```
    #[must_use]
    pub fn circuit_open(function: &'static str) -> Self {
        Error::CircuitOpen {
            function,
            until: None,
        }
    }

    /// The error of a call refused by a circuit breaker that is open until `until`:
    /// [`Error::CircuitOpen`] (see [`circuit_open`](Error::circuit_open)).
    #[must_use]
    pub fn circuit_open_until(function: &'static str, until: Instant) -> Self {
        Error::CircuitOpen {
            function,
            until: Some(until),
        }
    }

    /// The error of a call refused because shutdown had begun: [`Error::ShuttingDown`].
    ///
    /// ```
    /// let err = taskward::Error::shutting_down("app::fetch");
    /// assert!(err.is_shutdown());
    /// assert_eq!(err.to_string(), "`app::fetch` refused: shutting down");
    /// ```
    #[must_use]
    pub fn shutting_down(function: &'static str) -> Self {
        Error::ShuttingDown { function }
    }

    /// The error of a running call cancelled by shutdown: [`Error::Cancelled`].
    ///
    /// ```
    /// let err = taskward::Error::cancelled("app::fetch");
    /// assert!(err.is_shutdown());
    /// assert_eq!(err.to_string(), "`app::fetch` cancelled by shutdown");
    /// ```
    #[must_use]
    pub fn cancelled(function: &'static str) -> Self {
        Error::Cancelled { function }
    }

    /// The error of a call whose body panicked with `message` (a supervised call after its restart
    /// budget, a `#[blocking]` call): [`Error::Panicked`].
    ///
    /// ```
    /// let err = taskward::Error::panicked("app::fetch", "the disk is on fire");
    /// assert_eq!(err.to_string(), "`app::fetch` panicked: the disk is on fire");
    /// ```
    #[must_use]
    pub fn panicked(function: &'static str, message: impl Into<String>) -> Self {
        Error::Panicked {
            function,
            message: message.into(),
        }
    }

    /// The error of a run that a test made fail (feature `fault-injection`):
    /// [`Error::Injected`].
    #[cfg(feature = "fault-injection")]
    #[must_use]
    pub fn injected(function: &'static str, run: u64) -> Self {
        Error::Injected { function, run }
    }

    /// Whether a test injected this failure ([`Error::Injected`], feature `fault-injection`).
    #[cfg(feature = "fault-injection")]
    #[must_use]
    pub fn is_injected(&self) -> bool {
        matches!(self, Error::Injected { .. })
    }
}

/// Why a call was rejected, for [`Error::Rejected`]'s message: by a bulkhead or by a rate limit.
struct Why {
    limit: usize,
    waited: Duration,
    per: Option<Duration>,
    retry_after: Option<Duration>,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.per, self.retry_after) {
            (Some(per), Some(retry_after)) => write!(
                f,
                "over its rate of {} calls per {}; next slot in {}",
                self.limit,
                DisplayDuration(per),
                DisplayDuration(retry_after)
            ),
            _ => write!(
                f,
                "no permit of {} free within {}",
                self.limit,
                DisplayDuration(self.waited)
            ),
        }
    }
}

/// The state of the breaker that refused a call, as `Error::CircuitOpen` displays it.
struct Refusal(Option<Instant>);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    f.write_str("circuit open, the next call is a probe")
                } else {
                    write!(f, "circuit open for another {}", DisplayDuration(left))
                }
            }
            None => f.write_str("circuit half-open, its probe calls running"),
        }
    }
}

/// Tokio code returns `std::io::Result` everywhere, so a taskward failure converts into an
/// `io::Error` with the closest [`ErrorKind`](std::io::ErrorKind), the `taskward::Error` staying
/// available as its inner error:
///
/// | `Error` | `ErrorKind` |
/// |---|---|
/// | `Timeout` | `TimedOut` |
/// | `Rejected` | `ResourceBusy` |
/// | `ShuttingDown` | `ConnectionRefused`: the service accepts nothing more |
/// | `Cancelled` | `ConnectionAborted`: the call was cut off |
/// | `CircuitOpen`, `Panicked`, `LimitUnavailable` | `Other` |
///
/// None of them is `Interrupted`, which std and tokio take as "try again" (`write_all`,
/// `read_exact` and `copy` loop on it): a writer whose `write` is refused after shutdown fails
/// once instead of spinning.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::io;
///
/// #[taskward::with_timeout("1s")]
/// async fn read_config() -> io::Result<String> {
///     std::future::pending().await // never answers
/// }
///
/// let err = read_config().await.unwrap_err();
/// assert_eq!(err.kind(), io::ErrorKind::TimedOut);
/// # }
/// ```
impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        use std::io::ErrorKind;
        let kind = match &err {
            Error::Timeout { .. } => ErrorKind::TimedOut,
            Error::Rejected { .. } => ErrorKind::ResourceBusy,
            Error::ShuttingDown { .. } => ErrorKind::ConnectionRefused,
            Error::Cancelled { .. } => ErrorKind::ConnectionAborted,
            Error::CircuitOpen { .. } | Error::Panicked { .. } | Error::LimitUnavailable { .. } => {
                ErrorKind::Other
            }
            #[cfg(feature = "fault-injection")]
            Error::Injected { .. } => ErrorKind::Other,
        };
        std::io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_function_and_figures() {
        let e = Error::rejected("app::f", 8, Duration::from_millis(100));
        assert_eq!(
            e.to_string(),
            "`app::f` rejected: no permit of 8 free within 100ms"
        );
        assert_eq!(e.function(), "app::f");
    }

    #[test]
    fn no_error_converts_to_an_io_error_that_is_retried() {
        use std::io::{self, ErrorKind};
        let d = Duration::from_secs(1);
        let kinds = [
            Error::timeout("f", d),
            Error::rejected("f", 1, d),
            Error::circuit_open("f"),
            Error::shutting_down("f"),
            Error::cancelled("f"),
            Error::panicked("f", String::new()),
        ]
        .map(|e| io::Error::from(e).kind());
        assert_eq!(
            kinds,
            [
                ErrorKind::TimedOut,
                ErrorKind::ResourceBusy,
                ErrorKind::Other,
                ErrorKind::ConnectionRefused,
                ErrorKind::ConnectionAborted,
                ErrorKind::Other,
            ]
        );
    }
}
