// expect: none
// The guard is dropped by hand before the await (clippy's await_holding_lock warns here).
pub async fn lookup(&self, key: &str) -> Option<Value> {
    let cache = self.cache.lock().unwrap();
    let hit = cache.get(key).cloned();
    drop(cache);
    match hit {
        Some(value) => Some(value),
        None => self.backend.fetch(key).await.ok(),
    }
}
