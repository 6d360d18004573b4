// expect: none
// Hashing a file on the blocking pool: the std calls are in the closure.
pub async fn file_digest(path: PathBuf) -> io::Result<[u8; 32]> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hasher.finalize().into())
    })
    .await
    .expect("digest task panicked")
}
