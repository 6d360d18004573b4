// A pattern of another type than the function's error: the compiler's mismatch is on the pattern.
#[derive(Debug)]
enum FetchError {
    Timeout,
}

#[taskward::retry(on = std::io::ErrorKind::TimedOut)]
async fn fetch() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
