// expect: blocking
// A version endpoint that shells out to git on each request with std's Command.
use std::process::Command;

async fn version() -> String {
    let out = Command::new("git")
        .args(["describe", "--tags", "--always"])
        .output()
        .expect("git is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
