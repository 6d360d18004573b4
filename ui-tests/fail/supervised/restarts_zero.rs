// `restarts = 0` would never restart: the error points at `0`.
#[taskward::supervised(restarts = 0)]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
