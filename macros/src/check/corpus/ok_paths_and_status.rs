// expect: none
// Methods whose names look like the blocking ones, on values that are not.
pub async fn archive(resp: reqwest::Response, base: &Path, tags: &[String]) -> anyhow::Result<PathBuf> {
    let status = resp.status();
    anyhow::ensure!(status.is_success(), "upstream answered {status}");
    let name = tags.join("-");
    let path = base.join(format!("{name}.tar"));
    tokio::fs::write(&path, resp.bytes().await?).await?;
    Ok(path)
}
