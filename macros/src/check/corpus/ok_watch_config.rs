// expect: none
// Reacting to config changes on a watch channel; the borrow is cloned at once.
pub async fn follow_config(mut rx: watch::Receiver<Config>, server: Server) {
    while rx.changed().await.is_ok() {
        let config = rx.borrow().clone();
        server.apply(config).await;
    }
}
