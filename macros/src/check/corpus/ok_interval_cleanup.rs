// expect: none
// A periodic sweep: the expired entries are collected under the lock, then deleted after it.
pub async fn sweeper(sessions: Arc<Mutex<HashMap<Id, Session>>>, store: Store) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        let expired: Vec<Id> = sessions
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| s.expired())
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            sessions.lock().unwrap().remove(&id);
            store.delete(id).await;
        }
    }
}
