// `restarts` with a signed suffix: the error is on the literal.
#[taskward::supervised(restarts = 5i64)]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
