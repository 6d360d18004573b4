//! `#[circuit_breaker]`'s `on` and `when` over the shapes of patterns and functions they take, with
//! the strictest rustc lints a user may deny: the closure that reads the output, the `match` over
//! the error and the predicate's call are lint-clean. Nothing runs.
#![deny(
    warnings,
    unused_qualifications,
    unused_results,
    unreachable_pub,
    missing_docs,
    let_underscore_drop,
    unused_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unused_import_braces
)]

use std::sync::Arc;

use taskward::{Breaker, circuit_breaker, with_timeout};

/// The error of a client.
#[derive(Debug)]
pub enum FetchError {
    /// No answer in time.
    Timeout,
    /// An HTTP status.
    Status(u16),
    /// A failure of the connection.
    Io {
        /// What went wrong.
        kind: std::io::ErrorKind,
        /// Whether the connection was reused.
        reused: bool,
    },
    /// A failure of a taskward wrapper.
    Taskward(taskward::Error),
}

impl From<taskward::Error> for FetchError {
    fn from(err: taskward::Error) -> Self {
        FetchError::Taskward(err)
    }
}

/// Whether the error is an outage of the server.
pub fn is_outage(err: &FetchError) -> bool {
    matches!(err, FetchError::Timeout | FetchError::Status(500..=599))
}

/// Whether an I/O error is a timeout.
pub fn timed_out(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::TimedOut
}

/// A shared breaker.
pub static PARTNER: Breaker = Breaker::new();

/// An or-pattern with a leading `|`, a range and a struct pattern with `..`.
#[circuit_breaker(on = | FetchError::Timeout | FetchError::Status(500..=599) | FetchError::Io { reused: false, .. })]
pub async fn patterns(code: u16) -> Result<u16, FetchError> {
    Ok(code)
}

/// A pattern with a deadline inside: the failure of the deadline counts too.
#[circuit_breaker(in = PARTNER, on = FetchError::Timeout)]
#[with_timeout("1s")]
pub async fn with_deadline(code: u16) -> Result<u16, FetchError> {
    Ok(code)
}

/// A predicate.
#[circuit_breaker(when = is_outage)]
pub async fn predicate(code: u16) -> Result<u16, FetchError> {
    Ok(code)
}

/// A predicate on `std::io::Error`, through `io::Result`, with a deadline inside.
#[circuit_breaker(when = timed_out)]
#[with_timeout("1s")]
pub async fn io(code: u16) -> std::io::Result<u16> {
    Ok(code)
}

/// A generic function.
#[circuit_breaker(on = FetchError::Status(_))]
pub async fn generic<T: Send>(t: T) -> Result<T, FetchError> {
    Ok(t)
}

/// A client with breakers of its own.
#[derive(Debug, Default)]
pub struct Client {
    breaker: Breaker,
    writes: Arc<Breaker>,
    sent: u32,
}

impl Client {
    /// `&self`, a pattern.
    #[circuit_breaker(in = &self.breaker, on = FetchError::Timeout)]
    pub async fn get(&self, code: u16) -> Result<u16, FetchError> {
        Ok(code + u16::from(self.sent == 0))
    }

    /// `&mut self`, a predicate.
    #[circuit_breaker(in = &self.writes, when = is_outage)]
    pub async fn post(&mut self) -> Result<u32, FetchError> {
        self.sent += 1;
        Ok(self.sent)
    }
}

fn main() {
    let mut client = Client::default();
    drop(patterns(1));
    drop(with_deadline(1));
    drop(predicate(1));
    drop(io(1));
    drop(generic("t"));
    drop(client.get(1));
    drop(client.post());
}
