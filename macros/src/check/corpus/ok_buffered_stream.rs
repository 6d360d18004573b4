// expect: none
// Bounded concurrency with a stream combinator instead of spawning.
pub async fn fetch_all(client: &Client, urls: Vec<Url>) -> Vec<reqwest::Result<Bytes>> {
    futures::stream::iter(urls)
        .map(|url| async move { client.get(url).send().await?.bytes().await })
        .buffer_unordered(8)
        .collect()
        .await
}
