// A misspelled option: the error is on the key and lists the options.
#[taskward::retry(attempt = 3)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
