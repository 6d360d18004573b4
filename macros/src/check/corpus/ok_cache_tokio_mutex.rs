// expect: none
// A cache behind tokio's Mutex: its guard may be held across the fetch.
pub struct Cache {
    entries: tokio::sync::Mutex<HashMap<String, Bytes>>,
    client: reqwest::Client,
}

impl Cache {
    pub async fn get(&self, key: &str) -> Result<Bytes, reqwest::Error> {
        let mut entries = self.entries.lock().await;
        if let Some(hit) = entries.get(key) {
            return Ok(hit.clone());
        }
        let body = self.client.get(origin_url(key)).send().await?.bytes().await?;
        entries.insert(key.to_owned(), body.clone());
        Ok(body)
    }
}
