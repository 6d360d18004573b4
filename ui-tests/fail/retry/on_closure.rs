// A closure given to `on`: it takes a pattern; the message points to `when` for a function.
#[derive(Debug)]
enum FetchError {
    Timeout,
}

#[taskward::retry(on = |err| matches!(err, FetchError::Timeout))]
async fn fetch() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
