//! Durations in messages and tracing events, formatted the way the attributes take them, and
//! instants a duration after another, clamped.

use std::time::Duration;

use tokio::time::Instant;

/// How far a delay that `Instant` cannot hold reaches instead: about 30 years, as tokio's timers.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `instant + delay`, or a far-future instant (about 30 years after `instant`, as tokio's timers
/// clamp) when the sum is past what `Instant` can hold. Every duration the runtime adds to an
/// `Instant` goes through here: a delay the attributes accept (`"300000000000y"`) must not panic.
#[must_use]
pub(crate) fn instant_after(instant: Instant, delay: Duration) -> Instant {
    instant
        .checked_add(delay)
        .or_else(|| instant.checked_add(FAR_FUTURE))
        .unwrap_or(instant)
}

/// Formats a duration the way the attributes take it: `250ms`, `2s`, `1m 30s`.
pub(crate) struct DisplayDuration(pub(crate) Duration);

impl std::fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        if d.is_zero() {
            return f.write_str("0s");
        }
        if d < Duration::from_millis(1) {
            // below a millisecond: say it exactly
            return write!(f, "{d:?}");
        }
        // to the nearest millisecond
        let total_ms = (d.as_nanos() + 500_000) / 1_000_000;
        let parts = [
            (total_ms / 3_600_000, "h"),
            (total_ms / 60_000 % 60, "m"),
            (total_ms / 1000 % 60, "s"),
            (total_ms % 1000, "ms"),
        ];
        let mut sep = "";
        for (value, unit) in parts {
            if value != 0 {
                write!(f, "{sep}{value}{unit}")?;
                sep = " ";
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_display_as_written() {
        let show = |d| DisplayDuration(d).to_string();
        assert_eq!(show(Duration::from_millis(250)), "250ms");
        assert_eq!(show(Duration::from_secs(2)), "2s");
        assert_eq!(show(Duration::from_secs(90)), "1m 30s");
        assert_eq!(show(Duration::from_millis(3_600_001)), "1h 1ms");
        assert_eq!(show(Duration::ZERO), "0s");
        assert_eq!(show(Duration::from_micros(1500)), "2ms");
        assert_eq!(show(Duration::from_micros(50_403)), "50ms");
        assert_eq!(show(Duration::from_micros(250)), "250µs");
    }

    #[test]
    fn instants_after_a_delay_are_clamped() {
        let now = Instant::now();
        assert_eq!(
            instant_after(now, Duration::from_secs(2)),
            now + Duration::from_secs(2)
        );
        assert_eq!(instant_after(now, Duration::MAX), now + FAR_FUTURE);
        let years = Duration::from_secs(300_000_000_000 * 365 * 86_400);
        assert_eq!(instant_after(now, years), now + FAR_FUTURE);
    }
}
