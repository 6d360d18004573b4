//! Why the fleet's connection could not be set up.

use core::fmt;

/// Why the fleet's connection could not be set up. Its message names the URL with the password
/// replaced by `***`, and never the password.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetError {
    /// What went wrong.
    pub kind: FleetErrorKind,
    pub(super) url: String,
    pub(super) reason: String,
}

/// The kind of a [`FleetError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FleetErrorKind {
    /// The URL is not a Redis URL (`redis://[user:password@]host[:port][/db]`, or `rediss://`).
    InvalidUrl,
    /// The server refused the login (a wrong password or user, or an ACL that forbids scripts).
    Refused,
    /// The server could not be reached within the connect timeout.
    Unreachable,
    /// A fleet is already installed in this process.
    AlreadyInstalled,
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FleetErrorKind::InvalidUrl => "invalid Redis URL",
            FleetErrorKind::Refused => "Redis refused the login",
            FleetErrorKind::Unreachable => "Redis unreachable",
            FleetErrorKind::AlreadyInstalled => "a fleet connection is already installed",
        };
        write!(f, "{what} ({}): {}", self.url, self.reason)
    }
}

impl std::error::Error for FleetError {}

/// The kind of a failed connection or login.
pub(super) fn classify(e: &redis::RedisError) -> FleetErrorKind {
    let text = e.to_string();
    if matches!(e.kind(), redis::ErrorKind::AuthenticationFailed)
        || [
            "WRONGPASS",
            "NOAUTH",
            "NOPERM",
            "invalid password",
            "invalid username",
        ]
        .iter()
        .any(|code| text.contains(code))
    {
        FleetErrorKind::Refused
    } else if matches!(e.kind(), redis::ErrorKind::InvalidClientConfig) {
        FleetErrorKind::InvalidUrl
    } else {
        FleetErrorKind::Unreachable
    }
}
