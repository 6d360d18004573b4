// expect: none
// One task per URL, each holding a permit of a Semaphore acquired before it is spawned.
pub async fn fetch_all(urls: Vec<Url>, client: Client) -> Vec<Page> {
    let limit = Arc::new(Semaphore::new(16));
    let (tx, mut rx) = mpsc::channel(64);
    for url in urls {
        let permit = limit.clone().acquire_owned().await.expect("never closed");
        let client = client.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let page = client.get(url).send().await;
            let _ = tx.send(page).await;
            drop(permit);
        });
    }
    drop(tx);
    let mut pages = Vec::new();
    while let Some(Ok(resp)) = rx.recv().await {
        pages.push(Page::from(resp));
    }
    pages
}
