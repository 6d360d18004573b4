// expect: blocking
// A sync trait method bridged into async code with block_on, called from an async handler.
impl TokenSource for Refresher {
    fn token(&self) -> String {
        self.cached.clone()
    }
}

async fn authorised_request(src: &Refresher, url: &str) -> reqwest::Result<String> {
    let token = futures::executor::block_on(src.refresh());
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .text()
        .await
}
