// A misspelled variant in `on`: the pattern is compiled as written, so the compiler's error is on
// the user's pattern.
#[derive(Debug)]
enum FetchError {
    Timeout,
    Io(std::io::Error),
}

#[taskward::retry(on = FetchError::Timout | FetchError::Io(_))]
async fn fetch() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
