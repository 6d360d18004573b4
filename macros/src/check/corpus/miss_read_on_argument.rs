// expect: none
// missed: blocking
// Reading a std File handed in as an argument: a method on a value whose type is not seen.
use std::io::Read;

async fn upload_file(file: &mut std::fs::File, client: &Client, url: &str) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    client.put(url).body(buf).send().await?;
    Ok(())
}
