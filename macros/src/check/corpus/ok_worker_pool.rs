// expect: none
// A fixed pool of workers on a bounded async channel.
const WORKERS: usize = 4;

pub async fn start_pool(db: PgPool) -> async_channel::Sender<Job> {
    let (tx, rx) = async_channel::bounded::<Job>(100);
    for id in 0..WORKERS {
        let rx = rx.clone();
        let db = db.clone();
        tokio::spawn(async move {
            while let Ok(job) = rx.recv().await {
                tracing::debug!(worker = id, job = %job.id, "running");
                job.run(&db).await;
            }
        });
    }
    tx
}
