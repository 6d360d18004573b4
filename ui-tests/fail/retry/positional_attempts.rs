// A number without its key: the message says to write `attempts = 3`.
#[taskward::retry(3)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
