//! The algorithms of an adaptive limit: pure arithmetic over the samples of finished calls, with
//! no clock, lock or tokio in sight, so that they are tested with deterministic samples.
//!
//! Both read the same signal: a smoothed latency (an exponential moving average of the latencies
//! of calls that succeeded) against a baseline (the lowest smoothed latency seen, once warmed up).
//! A call that failed or was dropped is a congestion signal of its own.
//!
//! Both start slowly, as TCP: from the first limit (by default `min`), +1 per call that ends while
//! there is no sign of congestion (the limit doubles per round trip), until the first sign; then
//! the algorithm's own steps. Starting low is what lets the baseline be the latency of a dependency
//! under little load: a baseline learned past the knee would hide it.

/// Which algorithm moves the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Additive increase, multiplicative decrease: +1 per window of `limit` calls while the
    /// latency stays within 1.5× the baseline and the limit is in use; × 0.9 when the latency
    /// goes above that, or a call fails or is dropped. The default.
    ///
    /// Before the first sign of congestion, both algorithms grow by +1 per call (slow start).
    Aimd,
    /// TCP Vegas: estimates how many calls wait at the dependency (`limit × (1 - baseline /
    /// latency)`), and keeps that queue between 3 and 6 calls, ±1 per window of `limit` calls;
    /// × 0.9 when a call fails or is dropped.
    Vegas,
}

/// What one finished call tells the algorithm.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// From admission (the permit taken) to the end of the call, in nanoseconds.
    pub latency: f64,
    /// The calls holding a permit when this one ended, itself included.
    pub in_flight: usize,
    /// The call failed, panicked, or was dropped before it finished.
    pub dropped: bool,
    /// The call was admitted after the last decrease: an older call's congestion was already
    /// answered by that decrease (one decrease per round trip, as TCP).
    pub fresh: bool,
}

/// A latency more than this many times the baseline is congestion (AIMD); Netflix's Gradient2
/// tolerates the same ratio.
pub(crate) const TOLERANCE: f64 = 1.5;
/// The factor of a multiplicative decrease (Netflix's AIMD default).
pub(crate) const BACKOFF: f64 = 0.9;
/// The weight of a new latency in the moving average: about the last 10 calls count.
pub(crate) const SMOOTHING: f64 = 0.1;
/// Calls to see before the baseline is set, so that it is not the first call alone.
pub(crate) const WARM_UP: u32 = 10;
/// Latencies below this (100µs, in nanoseconds) count as this: a body that ends at once (on a
/// paused clock, a cache hit) would otherwise set a baseline of zero, and below it a latency's
/// variations are the scheduler's noise, not a queue at a dependency.
pub(crate) const FLOOR: f64 = 100_000.0;
/// Vegas: fewer calls than this waiting at the dependency is room to grow...
pub(crate) const ALPHA: f64 = 3.0;
/// ...and more than this is a queue to shrink.
pub(crate) const BETA: f64 = 6.0;

/// The state of an adaptive limit.
#[derive(Debug)]
pub(crate) struct Estimator {
    algorithm: Algorithm,
    /// The limit, fractional: the additive steps are `1 / limit` per call.
    limit: f64,
    min: f64,
    max: f64,
    /// The moving average of the latency, in nanoseconds (0 before the first sample).
    smoothed: f64,
    /// The lowest `smoothed` seen after the warm-up (infinite before).
    baseline: f64,
    samples: u32,
    /// No sign of congestion yet: +1 per call.
    slow_start: bool,
}

impl Estimator {
    /// `min <= initial <= max`, checked by the caller.
    pub(crate) const fn new(algorithm: Algorithm, min: usize, initial: usize, max: usize) -> Self {
        Estimator {
            algorithm,
            limit: initial as f64,
            min: min as f64,
            max: max as f64,
            smoothed: 0.0,
            baseline: f64::INFINITY,
            samples: 0,
            slow_start: true,
        }
    }

    /// The limit in whole calls, within `[min, max]`.
    pub(crate) fn limit(&self) -> usize {
        // The limit stays within [min, max], both `usize`.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let limit = self.limit.clamp(self.min, self.max).floor() as usize;
        limit
    }

    /// The baseline latency in nanoseconds, once warmed up.
    pub(crate) fn baseline(&self) -> Option<f64> {
        self.baseline.is_finite().then_some(self.baseline)
    }

    /// Takes one sample into account; returns whether the limit went down.
    pub(crate) fn sample(&mut self, sample: Sample) -> bool {
        if !sample.dropped && sample.latency.is_finite() {
            let latency = sample.latency.max(FLOOR);
            self.smoothed = if self.samples == 0 {
                latency
            } else {
                self.smoothed + SMOOTHING * (latency - self.smoothed)
            };
            self.samples = self.samples.saturating_add(1);
            if self.samples >= WARM_UP {
                self.baseline = self.baseline.min(self.smoothed);
            }
        }
        let before = self.limit;
        // Used: the limit is what holds calls back (Netflix's "app-limited" check). An unused
        // limit does not grow: its latency says nothing about more calls.
        #[allow(clippy::cast_precision_loss)]
        let used = sample.in_flight as f64 * 2.0 >= self.limit;
        let step = 1.0 / self.limit.max(1.0);
        if sample.dropped {
            self.slow_start = false;
            if sample.fresh {
                self.limit *= BACKOFF;
            }
        } else if let Some(baseline) = self.baseline() {
            match self.algorithm {
                Algorithm::Aimd => {
                    if self.smoothed > baseline * TOLERANCE {
                        self.slow_start = false;
                        if sample.fresh {
                            self.limit *= BACKOFF;
                        }
                    } else if used {
                        self.limit += if self.slow_start { 1.0 } else { step };
                    }
                }
                Algorithm::Vegas => {
                    let queue = self.limit * (1.0 - baseline / self.smoothed.max(baseline));
                    if queue > BETA {
                        self.slow_start = false;
                        self.limit -= step;
                    } else if queue < ALPHA && used {
                        self.limit += if self.slow_start { 1.0 } else { step };
                    }
                }
            }
        }
        // Warming up (no baseline yet to judge a latency by), only a dropped call moves it.
        self.limit = self.limit.clamp(self.min, self.max);
        self.limit < before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: f64 = 1e6;

    fn ok(latency_ms: f64, in_flight: usize) -> Sample {
        Sample {
            latency: latency_ms * MS,
            in_flight,
            dropped: false,
            fresh: true,
        }
    }

    /// Warmed up (a baseline of 10ms) and past the slow start, at `initial`.
    fn warmed(algorithm: Algorithm, initial: usize) -> Estimator {
        let mut e = Estimator::new(algorithm, 1, initial, 100);
        e.slow_start = false;
        // With one call in flight: the limit is not used, so it stays.
        for _ in 0..WARM_UP {
            e.sample(ok(10.0, 1));
        }
        assert!((e.limit - initial as f64).abs() < f64::EPSILON);
        assert_eq!(e.baseline(), Some(10.0 * MS));
        e
    }

    #[test]
    fn the_limit_doubles_per_round_trip_until_the_first_sign_of_congestion() {
        for algorithm in [Algorithm::Aimd, Algorithm::Vegas] {
            let mut e = Estimator::new(algorithm, 1, 1, 100);
            for _ in 0..WARM_UP {
                e.sample(ok(10.0, 1));
            }
            // The 10th call set the baseline, and the limit grew by one.
            assert_eq!(e.limit(), 2, "{algorithm:?}");
            // A round trip of 2 calls: 4; of 4: 8.
            for _ in 0..2 {
                e.sample(ok(10.0, 2));
            }
            assert_eq!(e.limit(), 4);
            for _ in 0..4 {
                e.sample(ok(10.0, 4));
            }
            assert_eq!(e.limit(), 8);
            // A drop ends the slow start: from there, +1 per round trip.
            e.sample(Sample {
                dropped: true,
                ..ok(10.0, 8)
            });
            assert_eq!(e.limit(), 7);
            for _ in 0..7 {
                e.sample(ok(10.0, 7));
            }
            // 7.2 + about 7 × 1/7.6.
            assert!(e.limit > 8.0 && e.limit < 8.2, "{}", e.limit);
        }
    }

    #[test]
    fn aimd_grows_by_one_per_window_of_limit_calls_while_the_latency_is_flat() {
        let mut e = warmed(Algorithm::Aimd, 10);
        assert_eq!(e.limit(), 10);
        // 10 calls at limit 10 make almost +1 (each step is 1 / the limit of that moment).
        for _ in 0..10 {
            e.sample(ok(10.0, 10));
        }
        assert!(e.limit > 10.9 && e.limit < 11.0, "{}", e.limit);
        assert_eq!(e.limit(), 10, "whole calls: rounded down");
        e.sample(ok(10.0, 10));
        assert_eq!(e.limit(), 11);
    }

    #[test]
    fn aimd_does_not_grow_a_limit_that_is_not_used() {
        let mut e = warmed(Algorithm::Aimd, 10);
        for _ in 0..100 {
            e.sample(ok(10.0, 4));
        }
        assert_eq!(e.limit(), 10);
    }

    #[test]
    fn aimd_backs_off_when_the_latency_rises_past_the_tolerance() {
        let mut e = warmed(Algorithm::Aimd, 20);
        // The average climbs 10 -> 20ms; once above 15ms, each fresh sample takes 10% off.
        let mut decreases = 0;
        for _ in 0..20 {
            decreases += u32::from(e.sample(ok(20.0, 20)));
        }
        assert!(decreases > 0);
        assert!(e.limit() < 20, "{}", e.limit());
        // Samples of calls admitted before the last decrease change nothing.
        let limit = e.limit;
        assert!(!e.sample(Sample {
            fresh: false,
            ..ok(20.0, 20)
        }));
        assert!((e.limit - limit).abs() < f64::EPSILON);
    }

    #[test]
    fn a_dropped_call_takes_ten_percent_off_once_per_round_trip() {
        for algorithm in [Algorithm::Aimd, Algorithm::Vegas] {
            let mut e = warmed(algorithm, 20);
            let dropped = Sample {
                dropped: true,
                ..ok(10.0, 20)
            };
            assert!(e.sample(dropped));
            assert!((e.limit - 18.0).abs() < 1e-9, "{}", e.limit);
            assert!(!e.sample(Sample {
                fresh: false,
                ..dropped
            }));
            assert_eq!(e.limit(), 18);
            // A dropped call's latency is not a latency sample.
            assert_eq!(e.baseline(), Some(10.0 * MS));
        }
    }

    #[test]
    fn errors_move_the_limit_before_the_warm_up_but_latencies_do_not() {
        let mut e = Estimator::new(Algorithm::Aimd, 1, 8, 100);
        e.sample(ok(10.0, 8));
        e.sample(ok(1000.0, 8));
        e.sample(ok(1.0, 8));
        assert_eq!(e.limit(), 8);
        e.sample(Sample {
            dropped: true,
            ..ok(10.0, 8)
        });
        assert_eq!(e.limit(), 7);
    }

    #[test]
    fn vegas_holds_a_queue_of_three_to_six_calls() {
        // Latency proportional to the calls beyond a knee of 10: at limit L, L - 10 queue.
        let latency = |limit: usize| 10.0 * (limit.max(10) as f64 / 10.0);
        let mut e = warmed(Algorithm::Vegas, 10);
        for _ in 0..5_000 {
            let limit = e.limit();
            e.sample(ok(latency(limit), limit));
        }
        let limit = e.limit();
        assert!((13..=16).contains(&limit), "{limit}");
    }

    #[test]
    fn latencies_below_the_floor_count_as_the_floor() {
        for algorithm in [Algorithm::Aimd, Algorithm::Vegas] {
            let mut e = Estimator::new(algorithm, 1, 10, 100);
            e.slow_start = false;
            for _ in 0..WARM_UP {
                e.sample(ok(0.0, 1));
            }
            assert_eq!(e.baseline(), Some(FLOOR));
            // 120µs is within the tolerance of the floor: room to grow, not congestion.
            for _ in 0..20 {
                e.sample(ok(0.12, 10));
            }
            assert!(e.limit() > 10, "{algorithm:?}: {}", e.limit());
        }
    }

    #[test]
    fn the_limit_stays_within_min_and_max() {
        let mut e = Estimator::new(Algorithm::Aimd, 2, 4, 5);
        for _ in 0..1000 {
            e.sample(ok(10.0, 5));
        }
        assert_eq!(e.limit(), 5);
        for _ in 0..1000 {
            e.sample(Sample {
                dropped: true,
                ..ok(10.0, 5)
            });
        }
        assert_eq!(e.limit(), 2);
    }

    proptest::proptest! {
        /// Whatever the samples (latencies from 0 to 100s, any in-flight, drops, stale or
        /// fresh), the limit stays within [min, max], and the fractional limit stays finite.
        #[test]
        fn the_limit_stays_within_min_and_max_for_any_samples(
            vegas: bool,
            min in 1usize..50,
            span in 0usize..200,
            start in 0usize..=200,
            samples in proptest::collection::vec(
                (0.0f64..1e11, 0usize..400, proptest::bool::weighted(0.2), proptest::bool::ANY),
                0..400,
            ),
        ) {
            let max = min + span;
            let initial = min + start.min(span);
            let algorithm = if vegas { Algorithm::Vegas } else { Algorithm::Aimd };
            let mut e = Estimator::new(algorithm, min, initial, max);
            for (latency, in_flight, dropped, fresh) in samples {
                e.sample(Sample { latency, in_flight, dropped, fresh });
                proptest::prop_assert!((min..=max).contains(&e.limit()), "{} not in {min}..={max}", e.limit());
                proptest::prop_assert!(e.limit.is_finite());
            }
        }
    }
}
