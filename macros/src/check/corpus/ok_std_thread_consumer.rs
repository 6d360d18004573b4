// expect: none
// A std thread consuming a bounded std channel: blocking calls inside the thread are fine.
pub async fn start_writer(path: PathBuf) -> std::sync::mpsc::SyncSender<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(64);
    std::thread::spawn(move || {
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        while let Ok(buf) = rx.recv() {
            file.write_all(&buf).unwrap();
        }
    });
    tx
}
