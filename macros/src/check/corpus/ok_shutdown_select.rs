// expect: none
// A worker loop that waits for work or shutdown; its stats guard is scoped before the select.
pub async fn run(mut rx: mpsc::Receiver<Task>, mut stop: watch::Receiver<bool>, stats: Arc<Mutex<Stats>>) {
    loop {
        {
            let mut s = stats.lock().unwrap();
            s.loops += 1;
        }
        tokio::select! {
            Some(task) = rx.recv() => task.run().await,
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(30)) => tracing::debug!("idle"),
        }
    }
}
