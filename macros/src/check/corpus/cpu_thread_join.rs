// expect: blocking
// CPU work moved to a std thread, then joined from async code.
async fn checksum(path: PathBuf) -> anyhow::Result<u64> {
    let worker = std::thread::spawn(move || crc_of_file(&path));
    let sum = worker.join().expect("checksum thread panicked")?;
    Ok(sum)
}
