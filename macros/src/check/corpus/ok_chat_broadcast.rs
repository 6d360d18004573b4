// expect: none
// A chat server: a broadcast channel, and one task per connection from the accept loop.
pub async fn chat(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let (tx, _) = broadcast::channel::<String>(256);
    while let Ok((socket, _)) = listener.accept().await {
        let tx = tx.clone();
        let mut rx = tx.subscribe();
        tokio::spawn(async move {
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            loop {
                tokio::select! {
                    line = lines.next_line() => match line {
                        Ok(Some(line)) => { let _ = tx.send(line); }
                        _ => break,
                    },
                    Ok(msg) = rx.recv() => {
                        if write.write_all(msg.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
    Ok(())
}
