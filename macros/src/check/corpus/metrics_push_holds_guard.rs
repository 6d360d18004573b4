// expect: lock_across_await
// Pushing a metrics snapshot while the registry's std Mutex guard is still alive.
pub async fn push_metrics(registry: &Mutex<Registry>, gateway: &str) -> reqwest::Result<()> {
    let snapshot = registry.lock().expect("registry poisoned");
    let body = snapshot.encode_text();
    reqwest::Client::new()
        .post(gateway)
        .body(body)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
