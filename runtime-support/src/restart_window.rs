//! The restart budget: at most so many restarts within any sliding window (OTP's supervisor
//! intensity and period).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

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
}
