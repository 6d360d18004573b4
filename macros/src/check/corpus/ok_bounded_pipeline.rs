// expect: none
// A pipeline on a bounded tokio channel: the producer waits when the consumer falls behind.
pub async fn pipeline(source: Source, sink: Sink) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Record>(1024);
    let producer = tokio::spawn(async move {
        while let Some(rec) = source.next().await {
            if tx.send(rec).await.is_err() {
                break;
            }
        }
    });
    while let Some(rec) = rx.recv().await {
        sink.write(rec).await?;
    }
    producer.await?;
    Ok(())
}
