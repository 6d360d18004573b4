// The soft warning for #[bounded] above #[supervised], made an error by `#![deny(deprecated)]`.
#![deny(deprecated)]

#[taskward::bounded(2)]
#[taskward::supervised]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
