// expect: unbounded_spawn
// One task per uploaded image, made with `map` over the uploads.
pub async fn make_thumbnails(uploads: Vec<Upload>) -> Vec<Thumbnail> {
    let handles: Vec<_> = uploads
        .into_iter()
        .map(|upload| tokio::spawn(async move { resize(upload).await }))
        .collect();
    let mut out = Vec::new();
    for handle in handles {
        if let Ok(thumb) = handle.await {
            out.push(thumb);
        }
    }
    out
}
