// expect: none
// missed: blocking
// A blocking call inside a `tokio::select!` branch: the macro's arguments are not looked into.
async fn wait_for_work(rx: &mut mpsc::Receiver<Job>, shutdown: &mut watch::Receiver<bool>) {
    tokio::select! {
        Some(job) = rx.recv() => {
            std::fs::write("last_job", job.id.to_string()).ok();
        }
        _ = shutdown.changed() => {}
    }
}
