// expect: unbounded_channel
// Log lines go to a shipper task through an unbounded channel: a slow collector grows the queue.
use tokio::sync::mpsc;

pub async fn start_shipper(endpoint: String) -> mpsc::UnboundedSender<LogLine> {
    let (tx, mut rx) = mpsc::unbounded_channel::<LogLine>();
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        while let Some(line) = rx.recv().await {
            let _ = client.post(&endpoint).json(&line).send().await;
        }
    });
    tx
}
