//! Tests of the retry driver and the budget: driven exactly as generated code drives them, on
//! paused time.

use super::*;

const MS: fn(u64) -> Duration = Duration::from_millis;
static META: Meta = Meta::new("app::fetch");

const fn policy(attempts: u32, min_ms: u64, max_ms: u64, total_ms: Option<u64>) -> RetryPolicy {
    RetryPolicy {
        attempts,
        backoff_min: Duration::from_millis(min_ms),
        backoff_max: Duration::from_millis(max_ms),
        jitter: false,
        total: match total_ms {
            Some(ms) => Some(Duration::from_millis(ms)),
            None => None,
        },
        budget: None,
    }
}

/// Drives `body` as the generated code does: the result, and the instants (from the start) at
/// which the attempts began.
async fn retry<T, E: fmt::Display>(
    policy: &'static RetryPolicy,
    outer: Option<Instant>,
    mut body: impl AsyncFnMut(u32) -> Result<T, E>,
) -> (Result<T, E>, Vec<Duration>) {
    let start = Instant::now();
    let mut starts = Vec::new();
    let mut retry = Retry::new(&META, policy, outer);
    let result = loop {
        starts.push(start.elapsed());
        let delay = match body(retry.attempt()).await {
            Ok(value) => break Ok(value),
            Err(err) => match retry.next_delay(&err) {
                Some(delay) => delay,
                None => break Err(err),
            },
        };
        retry.backoff(delay).await;
    };
    (result, starts)
}

#[tokio::test(start_paused = true)]
async fn attempts_count_calls_and_delays_double_to_the_cap() {
    static P: RetryPolicy = policy(5, 100, 300, None);
    let (result, starts) = retry(&P, None, async |n| Err::<(), _>(n)).await;
    // 5 calls, 4 retries: 100, 200, 300 (capped), 300.
    assert_eq!(result, Err(5));
    assert_eq!(starts, [0, 100, 300, 600, 900].map(MS));

    let (result, starts) = retry(&P, None, async |n| if n < 3 { Err(n) } else { Ok(n) }).await;
    assert_eq!(result, Ok(3));
    assert_eq!(starts, [0, 100, 300].map(MS));

    static ONCE: RetryPolicy = policy(1, 100, 300, None);
    let (result, starts) = retry(&ONCE, None, async |n| Err::<(), _>(n)).await;
    assert_eq!((result, starts), (Err(1), vec![MS(0)]));
}

#[tokio::test(start_paused = true)]
async fn total_lets_no_attempt_begin_at_or_past_it() {
    // Delays 300, 600, 1200: the 3rd attempt begins at 900ms, a 4th would begin at 2100ms.
    static P: RetryPolicy = policy(10, 300, 10_000, Some(1000));
    let (result, starts) = retry(&P, None, async |n| Err::<(), _>(n)).await;
    assert_eq!(result, Err(3));
    assert_eq!(starts, [0, 300, 900].map(MS));
    // An attempt that would begin exactly at the cap does not begin.
    static EXACT: RetryPolicy = policy(10, 300, 10_000, Some(900));
    let (result, starts) = retry(&EXACT, None, async |n| Err::<(), _>(n)).await;
    assert_eq!(result, Err(2));
    assert_eq!(starts, [0, 300].map(MS));
}

#[tokio::test(start_paused = true)]
async fn an_outer_deadline_caps_the_backoff_the_same_way() {
    static P: RetryPolicy = policy(10, 300, 10_000, None);
    let outer = Instant::now() + MS(1000);
    let (result, starts) = retry(&P, Some(outer), async |n| Err::<(), _>(n)).await;
    assert_eq!(result, Err(3));
    assert_eq!(starts, [0, 300, 900].map(MS));
    // With `total` too, the earlier of the two.
    static TOTAL: RetryPolicy = policy(10, 300, 10_000, Some(5000));
    let outer = Instant::now() + MS(400);
    let (result, starts) = retry(&TOTAL, Some(outer), async |n| Err::<(), _>(n)).await;
    assert_eq!((result, starts), (Err(2), vec![MS(0), MS(300)]));
}

#[tokio::test(start_paused = true)]
async fn the_total_counts_the_attempts_too() {
    // Each attempt takes 250ms: attempts begin at 0, 250 + 100, 600 + 200; a 4th would begin at
    // 1050 + 400.
    static P: RetryPolicy = policy(10, 100, 10_000, Some(1000));
    let (result, starts) = retry(&P, None, async |n| {
        tokio::time::sleep(MS(250)).await;
        Err::<(), _>(n)
    })
    .await;
    assert_eq!(result, Err(3));
    assert_eq!(starts, [0, 350, 800].map(MS));
}

#[tokio::test(start_paused = true)]
async fn jittered_delays_stay_within_their_bounds() {
    static P: RetryPolicy = RetryPolicy {
        attempts: 12,
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(800),
        jitter: true,
        total: None,
        budget: None,
    };
    for seed in 0..20 {
        crate::backoff::seed_jitter(seed);
        let (_, starts) = retry(&P, None, async |n| Err::<(), _>(n)).await;
        assert_eq!(starts.len(), 12);
        for (k, pair) in starts.windows(2).enumerate() {
            let delay = pair[1] - pair[0];
            let upper = MS(100 << k.min(3));
            assert!(delay >= MS(100) && delay <= upper, "delay {k}: {delay:?}");
        }
    }
}

#[test]
fn the_budget_deposits_and_withdraws_exactly() {
    let t0 = Instant::now();
    let budget = RetryBudget::new(200_000);
    // Full at first: the reserve of 100 retries, and no more however many calls deposit.
    assert_eq!(budget.available(), 100);
    for _ in 0..1000 {
        budget.deposit();
    }
    assert_eq!(budget.available(), 100);
    assert!((0..100).all(|_| budget.try_withdraw(t0)));
    assert!(!budget.try_withdraw(t0));
    // 0.2 a call: 5 calls pay for a retry, 4 do not.
    for _ in 0..4 {
        budget.deposit();
    }
    assert!(!budget.try_withdraw(t0));
    budget.deposit();
    assert!(budget.try_withdraw(t0));
    assert!(!budget.try_withdraw(t0));
    // The floor: 10 retries a second, credited once whatever the number of askers.
    let t1 = t0 + MS(1000);
    assert!((0..10).all(|_| budget.try_withdraw(t1)));
    assert!(!budget.try_withdraw(t1));
    // Credited to the microsecond: 99.9ms is 0.999 of a retry, 100ms one.
    assert!(!budget.try_withdraw(t1 + Duration::from_micros(99_900)));
    assert!(budget.try_withdraw(t1 + MS(100)));
    // Back to full after 10s of calm, and no further.
    let t2 = t1 + MS(60_000);
    assert!(!budget.try_withdraw(t0)); // an instant before the last credited one adds nothing
    assert!((0..100).all(|_| budget.try_withdraw(t2)));
    assert!(!budget.try_withdraw(t2));
}

#[test]
fn a_budget_of_zero_is_the_floor_alone() {
    let t0 = Instant::now();
    let budget = RetryBudget::new(0);
    assert!((0..100).all(|_| budget.try_withdraw(t0)));
    for _ in 0..1_000_000 {
        budget.deposit();
    }
    assert!(!budget.try_withdraw(t0));
    assert!(budget.try_withdraw(t0 + MS(100)));
}

#[tokio::test(start_paused = true)]
async fn the_budget_refuses_retries_under_sustained_failure_and_allows_them_again() {
    static P: RetryPolicy = RetryPolicy {
        attempts: 2,
        backoff_min: Duration::from_millis(1),
        backoff_max: Duration::from_millis(1),
        jitter: false,
        total: None,
        budget: Some(&BUDGET),
    };
    static BUDGET: RetryBudget = RetryBudget::new(500_000);
    /// A call that always fails: whether it retried.
    async fn retried() -> bool {
        let (result, starts) = retry(&P, None, async |n| Err::<(), _>(n)).await;
        assert_eq!(result, Err(u32::try_from(starts.len()).unwrap()));
        starts.len() == 2
    }
    // The reserve of 100 retries: the first call takes one from the full balance (a full
    // balance takes no deposit); each of the next ones deposits 0.5 of a retry, is credited 0.01
    // for the 1ms of backoff before it, and takes 1: 0.49 a call, so 99 last 202 calls, and the
    // 204th finds 0.53 of a retry.
    let mut calls = 1;
    while retried().await {
        calls += 1;
    }
    assert_eq!(calls, 204);
    // Sustained failure: one retry for every two calls (with a little of the floor).
    let mut retries = 0;
    for _ in 0..100 {
        retries += u32::from(retried().await);
    }
    assert_eq!(retries, 51);
    // After 10 seconds without a call, the floor has filled the reserve again.
    tokio::time::sleep(MS(10_000)).await;
    for _ in 0..100 {
        assert!(retried().await);
    }
}
