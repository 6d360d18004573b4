// expect: blocking
// A retry loop that backs off with the thread's sleep (the module imports `std::thread`).
use std::thread;
use std::time::Duration;

async fn connect_with_retry(url: &str) -> Result<PgPool, sqlx::Error> {
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=5 {
        match PgPool::connect(url).await {
            Ok(pool) => return Ok(pool),
            Err(err) if attempt < 5 => {
                tracing::warn!(%err, attempt, "database not ready");
                thread::sleep(delay);
                delay *= 2;
            }
            Err(err) => return Err(err),
        }
    }
    unreachable!()
}
