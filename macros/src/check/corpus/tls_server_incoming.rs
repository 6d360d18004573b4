// expect: none
// false alarm: unbounded_spawn
// A TLS server whose connections come from a stream rather than `accept()`: one task per
// connection, as bounded as the accept loop, but the loop does not say so.
pub async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, app: Router) {
    let mut incoming = TlsListener::new(acceptor, listener);
    while let Some(conn) = incoming.next().await {
        let Ok(stream) = conn else { continue };
        let app = app.clone();
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            let _ = http1::Builder::new().serve_connection(io, TowerToHyperService::new(app)).await;
        });
    }
}
