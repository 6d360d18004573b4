// expect: unbounded_spawn
// A crawler that starts one task per discovered link, however many there are.
async fn crawl_page(client: &Client, page: Url, seen: Arc<DashSet<Url>>) -> anyhow::Result<()> {
    let html = client.get(page.clone()).send().await?.text().await?;
    for link in extract_links(&page, &html) {
        if seen.insert(link.clone()) {
            let client = client.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                if let Err(err) = crawl_page(&client, link, seen).await {
                    tracing::debug!(%err, "crawl failed");
                }
            });
        }
    }
    Ok(())
}
