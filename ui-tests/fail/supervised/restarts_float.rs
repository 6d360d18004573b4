// `restarts` as a float: the error is on the literal.
#[taskward::supervised(restarts = 5f32)]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
