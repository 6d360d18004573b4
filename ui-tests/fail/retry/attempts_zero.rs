// `attempts = 0` would never call the body: the error is on the literal and says that `attempts`
// counts calls.
#[taskward::retry(attempts = 0)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
