// expect: none
// A std Mutex whose guard lives in a block that ends before the await.
pub async fn record_and_notify(state: &AppState, event: Event) -> Result<(), NotifyError> {
    let subscribers = {
        let mut log = state.log.lock().unwrap();
        log.push(event.clone());
        log.subscribers_for(&event)
    };
    for sub in subscribers {
        sub.notify(&event).await?;
    }
    Ok(())
}
