// expect: none
// The standard tokio server: one task per accepted connection.
pub async fn serve(listener: TcpListener, app: Arc<App>) -> io::Result<()> {
    loop {
        let (socket, peer) = listener.accept().await?;
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(err) = app.handle_connection(socket).await {
                tracing::debug!(%peer, %err, "connection closed with an error");
            }
        });
    }
}
