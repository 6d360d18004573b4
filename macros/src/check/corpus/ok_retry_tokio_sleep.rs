// expect: none
// Retrying with tokio's sleep (imported at module level and used bare).
use tokio::time::sleep;

async fn connect_with_retry(url: &str) -> Result<PgPool, sqlx::Error> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match PgPool::connect(url).await {
            Ok(pool) => return Ok(pool),
            Err(err) if attempt < 5 => {
                tracing::warn!(%err, attempt, "database not ready");
                sleep(delay).await;
                delay *= 2;
            }
            Err(err) => return Err(err),
        }
    }
}
