// expect: none
// Shelling out with tokio's Command (module imports `tokio::process::Command`).
use tokio::process::Command;

async fn version() -> io::Result<String> {
    let out = Command::new("git")
        .args(["describe", "--tags", "--always"])
        .output()
        .await?;
    let status = out.status;
    if !status.success() {
        return Err(io::Error::other("git failed"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
