//! The latency histogram of a `#[hedged(after = "p95")]` function: fixed log-scale buckets of
//! atomic counters in a `static`, so that recording a call and reading the percentile allocate
//! nothing and take no lock.
//!
//! - A latency is counted in microseconds, in one of [`BUCKETS`] buckets: the values below 4µs
//!   one bucket each, then four buckets for each power of two (each at most a quarter of its
//!   lower end wide), up to about 2.4 hours; a longer latency counts in the last bucket.
//! - The percentile is the upper end of the bucket where the wanted rank falls: never below the
//!   exact percentile of the samples, and within one bucket of it.
//! - Recent calls weigh more: when the count reaches [`AGE_AT`], every bucket is halved, so the
//!   histogram follows a latency that changes.
//! - Reading the percentile walks the buckets, so it is done once every [`REFRESH`] calls, and
//!   the calls read the result from one atomic word.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use core::time::Duration;

/// The number of buckets.
pub const BUCKETS: usize = 128;

/// The count at which every bucket is halved.
pub const AGE_AT: u32 = 2048;

/// The delay is computed again from the buckets once every so many calls.
pub const REFRESH: u32 = 16;

/// Sub-buckets per power of two (a power of two itself).
const SUB: u64 = 4;
const SUB_BITS: u32 = SUB.trailing_zeros();

/// The bucket of a latency of `micros` microseconds.
#[must_use]
pub fn bucket(micros: u64) -> usize {
    if micros < SUB {
        #[allow(clippy::cast_possible_truncation)] // below 4
        return micros as usize;
    }
    let exp = u64::from(63 - micros.leading_zeros());
    let mantissa = (micros >> (exp - u64::from(SUB_BITS))) & (SUB - 1);
    let index = (exp - u64::from(SUB_BITS) + 1) * SUB + mantissa;
    usize::try_from(index).map_or(BUCKETS - 1, |index| index.min(BUCKETS - 1))
}

/// The smallest latency (in microseconds) of bucket `index`.
#[must_use]
pub fn lower(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB {
        return index;
    }
    let exp = index / SUB - 1 + u64::from(SUB_BITS);
    let mantissa = index % SUB;
    (SUB + mantissa) << (exp - u64::from(SUB_BITS))
}

/// The end of bucket `index` (exclusive), in microseconds: the next bucket's lower end.
#[must_use]
pub fn upper(index: usize) -> u64 {
    lower(index + 1)
}

/// The latency histogram of one function, with the percentile it reads and its bounds.
#[derive(Debug)]
pub struct Histogram {
    buckets: [AtomicU32; BUCKETS],
    /// The samples in the buckets (after ageing, an approximation under concurrent records).
    count: AtomicU32,
    /// The delay last computed, in microseconds; 0 until there are enough samples.
    delay: AtomicU64,
    /// The percentile, in hundredths of a percent (`9500` for p95).
    quantile: u32,
    /// The samples needed before the percentile is read: until then, the delay is `initial`.
    warm: u32,
    floor: Duration,
    cap: Duration,
    initial: Duration,
}

impl Histogram {
    /// An empty histogram for the percentile `quantile` (in hundredths of a percent, 5000 to
    /// 9999), read once it holds `warm` samples, clamped to `floor..=cap`; `initial` before.
    #[must_use]
    #[allow(clippy::declare_interior_mutable_const)] // the array's initial value, copied
    pub const fn new(
        quantile: u32,
        warm: u32,
        floor: Duration,
        cap: Duration,
        initial: Duration,
    ) -> Self {
        const ZERO: AtomicU32 = AtomicU32::new(0);
        Histogram {
            buckets: [ZERO; BUCKETS],
            count: AtomicU32::new(0),
            delay: AtomicU64::new(0),
            quantile,
            warm,
            floor,
            cap,
            initial,
        }
    }

    /// Counts one latency.
    pub fn record(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket(micros)].fetch_add(1, Relaxed);
        let count = self.count.fetch_add(1, Relaxed) + 1;
        if count == AGE_AT {
            self.age();
        }
        if count >= self.warm && (count.is_multiple_of(REFRESH) || count == self.warm) {
            let micros = self.percentile_micros().unwrap_or(0);
            // Never 0 once warm: 0 means "not warm yet".
            self.delay.store(micros.max(1), Relaxed);
        }
    }

    /// Halves every bucket: older samples weigh half as much as the ones to come.
    fn age(&self) {
        let mut removed = 0;
        for bucket in &self.buckets {
            let before = bucket
                .fetch_update(Relaxed, Relaxed, |n| Some(n - n / 2))
                .unwrap_or(0);
            removed += before / 2;
        }
        self.count.fetch_sub(removed, Relaxed);
    }

    /// The samples counted now.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count.load(Relaxed)
    }

    /// The percentile of the samples, in microseconds (the upper end of its bucket), walking the
    /// buckets now; `None` when there is none.
    #[must_use]
    pub fn percentile_micros(&self) -> Option<u64> {
        let counts: [u32; BUCKETS] = core::array::from_fn(|i| self.buckets[i].load(Relaxed));
        let total: u64 = counts.iter().map(|&n| u64::from(n)).sum();
        if total == 0 {
            return None;
        }
        // The rank of the percentile among the samples, 1-based: ceil(q · total).
        let rank = (total * u64::from(self.quantile)).div_ceil(10_000).max(1);
        let mut seen = 0;
        for (index, &n) in counts.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return Some(upper(index));
            }
        }
        Some(upper(BUCKETS - 1))
    }

    /// The hedging delay of a call that begins now: the percentile last computed, within
    /// `floor..=cap`; `initial` until the histogram holds enough samples.
    #[inline]
    #[must_use]
    pub fn delay(&self) -> Duration {
        match self.delay.load(Relaxed) {
            0 => self.initial,
            micros => Duration::from_micros(micros).clamp(self.floor, self.cap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(quantile: u32, warm: u32) -> Histogram {
        Histogram::new(
            quantile,
            warm,
            Duration::from_micros(1),
            Duration::from_secs(3600),
            Duration::from_millis(100),
        )
    }

    #[test]
    fn buckets_are_contiguous_and_ordered() {
        assert_eq!(lower(0), 0);
        for index in 0..BUCKETS - 1 {
            assert!(lower(index) < upper(index), "{index}");
            assert_eq!(bucket(lower(index)), index, "lower end of {index}");
            assert_eq!(bucket(upper(index) - 1), index, "upper end of {index}");
            // At most a quarter of the lower end wide, past the first buckets.
            if index >= 4 {
                assert!((upper(index) - lower(index)) * 4 <= lower(index), "{index}");
            }
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        // The last bucket begins past two hours.
        assert!(lower(BUCKETS - 1) > 2 * 3600 * 1_000_000);
    }

    #[test]
    fn known_values() {
        assert_eq!(bucket(3), 3);
        assert_eq!((lower(4), upper(4)), (4, 5));
        // 10ms = 10000µs: between 8192 and 10240.
        assert_eq!(
            (lower(bucket(10_000)), upper(bucket(10_000))),
            (8192, 10_240)
        );
        // 95ms: between 81920 and 98304.
        assert_eq!(
            (lower(bucket(95_000)), upper(bucket(95_000))),
            (81_920, 98_304)
        );
    }

    #[test]
    fn the_delay_is_initial_until_warm_then_the_percentile_clamped() {
        let h = Histogram::new(
            9500,
            20,
            Duration::from_millis(5),
            Duration::from_millis(50),
            Duration::from_millis(100),
        );
        for _ in 0..19 {
            h.record(Duration::from_millis(1));
        }
        assert_eq!(h.delay(), Duration::from_millis(100));
        h.record(Duration::from_millis(1));
        // p95 of 1ms is 1ms (its bucket ends at 1024µs), below the floor.
        assert_eq!(h.percentile_micros(), Some(1024));
        assert_eq!(h.delay(), Duration::from_millis(5));
        for _ in 0..100 {
            h.record(Duration::from_secs(1));
        }
        assert_eq!(h.delay(), Duration::from_millis(50));
    }

    #[test]
    fn p95_of_1_to_100_ms() {
        let h = histogram(9500, 20);
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        assert_eq!(h.percentile_micros(), Some(98_304));
        assert_eq!(h.delay(), Duration::from_micros(98_304));
    }

    #[test]
    fn ageing_halves_the_counts() {
        let h = histogram(5000, 1);
        for _ in 0..AGE_AT - 1 {
            h.record(Duration::from_millis(1));
        }
        assert_eq!(h.count(), AGE_AT - 1);
        h.record(Duration::from_millis(1));
        assert_eq!(h.count(), AGE_AT / 2);
        // Newer samples now outweigh the old ones.
        for _ in 0..AGE_AT / 2 + 1 {
            h.record(Duration::from_millis(100));
        }
        assert_eq!(h.percentile_micros(), Some(upper(bucket(100_000))));
    }

    proptest::proptest! {
        /// The percentile read from the buckets is the upper end of the bucket that holds the
        /// exact percentile of the samples: above it, by less than one bucket's width.
        #[test]
        fn the_percentile_is_within_one_bucket_of_the_exact_one(
            // Below the last bucket (about two hours), which holds every longer latency.
            mut samples in proptest::collection::vec(0u64..7_000_000_000, 1..400),
            quantile in proptest::sample::select(vec![5000u32, 9000, 9500, 9900, 9990]),
        ) {
            let h = histogram(quantile, 1);
            for &micros in &samples {
                h.record(Duration::from_micros(micros));
            }
            samples.sort_unstable();
            let n = samples.len() as u64;
            let rank = (n * u64::from(quantile)).div_ceil(10_000).max(1);
            let exact = samples[usize::try_from(rank).unwrap() - 1];
            let read = h.percentile_micros().unwrap();
            let index = bucket(exact);
            proptest::prop_assert!(exact < read, "{exact} {read}");
            proptest::prop_assert_eq!(read, upper(index));
            proptest::prop_assert!(read - exact <= upper(index) - lower(index));
        }
    }
}
