//! A crate that depends on taskward under another name (`tw = { package = "taskward", .. }`)
//! writes `#[tw::bounded(2)]`, stacks `#[tw::with_timeout(..)]` below it, and the expansion finds
//! the crate by the name its manifest gives: checked by building such a crate (`cargo check`,
//! offline, in a target dir of its own).

use std::path::Path;
use std::process::Command;

#[test]
fn a_renamed_dependency_is_found_from_the_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("renamed-dependency");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "renamed-dependency"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tw = {{ package = "taskward", path = {root:?} }}

[workspace]
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        r#"#![deny(warnings)]
//! Annotated functions, written against the renamed crate.

/// A stack under the renamed path.
#[tw::bounded(2)]
#[tw::with_timeout("1s")]
pub async fn fetch(x: u32) -> u32 {
    x
}

/// Supervised, with the crate's error type under its new name.
#[tw::graceful]
#[tw::supervised(restarts = 2)]
pub async fn work() -> Result<u32, tw::Error> {
    Ok(1)
}

/// The futures are `Send`.
pub fn build() -> impl Send {
    (fetch(1), work())
}
"#,
    )
    .unwrap();
    // Reuse the lock file of the workspace, so that no registry is asked.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["check", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the crate that renames taskward did not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
