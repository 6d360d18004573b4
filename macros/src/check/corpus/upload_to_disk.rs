// expect: blocking
// Streaming an upload to disk through a std File (the module imports `std::fs::File`).
use std::fs::File;
use std::io::Write;

async fn save_upload(mut field: Field<'_>, dir: &Path) -> anyhow::Result<u64> {
    let path = dir.join(field.file_name().unwrap_or("upload.bin"));
    let mut file = File::create(&path)?;
    let mut written = 0;
    while let Some(chunk) = field.chunk().await? {
        file.write_all(&chunk)?;
        written += chunk.len() as u64;
    }
    Ok(written)
}
