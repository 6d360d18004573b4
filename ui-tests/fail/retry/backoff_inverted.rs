// An inverted backoff range: the error is on the string and writes it the right way round.
#[taskward::retry(backoff = "5s..100ms")]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
