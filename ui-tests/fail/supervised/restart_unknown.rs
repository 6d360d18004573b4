// An unknown restart mode: the error points at `"sometimes"` and names the two modes.
#[taskward::supervised(restart = "sometimes")]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
