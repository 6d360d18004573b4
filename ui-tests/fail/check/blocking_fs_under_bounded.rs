// The checks run under every taskward attribute: `std::fs::read_to_string` (imported in the body)
// in a #[bounded] function is a warning at `read_to_string`; the message names `tokio::fs`.
#![deny(warnings)]

#[taskward::bounded(4)]
async fn load_config(path: &str) -> std::io::Result<String> {
    use std::fs;
    let text = fs::read_to_string(path)?;
    Ok(text.trim().to_owned())
}

fn main() {
    drop(load_config("app.toml"));
}
