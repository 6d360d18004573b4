// An option given twice: the error is on the second.
#[taskward::retry(attempts = 3, jitter = false, attempts = 5)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
