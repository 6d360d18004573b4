//! Durations in messages and tracing events, formatted the way the attributes take them.

use std::time::Duration;

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
}
