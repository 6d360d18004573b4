// #[bounded] above #[retry] holds its permit through the backoff sleeps: a warning, made an error
// by `#![deny(deprecated)]`; the note says how to acknowledge it.
#![deny(deprecated)]

#[taskward::bounded(2)]
#[taskward::retry]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
