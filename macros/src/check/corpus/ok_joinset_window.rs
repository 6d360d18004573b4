// expect: none
// A sliding window of at most 8 downloads with a JoinSet.
pub async fn download_all(items: Vec<Item>, client: Client) -> anyhow::Result<()> {
    let mut set = JoinSet::new();
    for item in items {
        if set.len() >= 8 {
            set.join_next().await.transpose()??;
        }
        let client = client.clone();
        set.spawn(async move { item.download(&client).await });
    }
    while let Some(done) = set.join_next().await {
        done??;
    }
    Ok(())
}
