// expect: unbounded_spawn
// A queue consumer that spawns a task per message: a burst of messages starts a burst of tasks.
pub async fn consume(mut jobs: mpsc::Receiver<Job>, db: PgPool) {
    while let Some(job) = jobs.recv().await {
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(err) = job.run(&db).await {
                tracing::error!(job = %job.id, %err, "job failed");
            }
        });
    }
}
