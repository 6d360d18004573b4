// expect: lock_across_await
// A read-through cache behind a std Mutex: the guard is kept while the origin is fetched.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Cache {
    entries: Arc<Mutex<HashMap<String, Bytes>>>,
    client: reqwest::Client,
}

impl Cache {
    pub async fn get(&self, key: &str) -> Result<Bytes, reqwest::Error> {
        let mut entries = self.entries.lock().unwrap();
        if let Some(hit) = entries.get(key) {
            return Ok(hit.clone());
        }
        let body = self.client.get(origin_url(key)).send().await?.bytes().await?;
        entries.insert(key.to_owned(), body.clone());
        Ok(body)
    }
}
