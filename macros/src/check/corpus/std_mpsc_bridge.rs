// expect: unbounded_channel, blocking
// A bridge from an async producer to a worker through std's mpsc, received inside async code.
use std::sync::mpsc;

pub async fn run_pipeline(source: Source) -> anyhow::Result<u64> {
    let (tx, rx) = mpsc::channel();
    let producer = tokio::spawn(async move {
        while let Some(record) = source.next().await {
            if tx.send(record).is_err() {
                break;
            }
        }
    });
    let mut total = 0;
    while let Ok(record) = rx.recv() {
        total += record.size();
    }
    producer.await?;
    Ok(total)
}
