// expect: unbounded_channel
// An event bus on flume's unbounded channel.
pub struct Bus {
    tx: flume::Sender<Event>,
}

impl Bus {
    pub async fn start(handlers: Vec<Box<dyn Handler>>) -> Bus {
        let (tx, rx) = flume::unbounded();
        tokio::spawn(async move {
            while let Ok(event) = rx.recv_async().await {
                for h in &handlers {
                    h.handle(&event).await;
                }
            }
        });
        Bus { tx }
    }
}
