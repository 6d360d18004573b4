// expect: none
// Reading lines with tokio's BufReader.
pub async fn count_errors(path: &Path) -> io::Result<usize> {
    let file = tokio::fs::File::open(path).await?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut errors = 0;
    while let Some(line) = lines.next_line().await? {
        if line.contains("ERROR") {
            errors += 1;
        }
    }
    Ok(errors)
}
