// #[bounded] above #[supervised] holds its permit through the restarts: a warning, made an error
// by `#![deny(deprecated)]`; the note says how to acknowledge it.
#![deny(deprecated)]

#[taskward::bounded(2)]
#[taskward::supervised]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
