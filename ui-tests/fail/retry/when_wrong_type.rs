// A predicate over another error type: the error is on the path given to `when`.
#[derive(Debug)]
enum FetchError {
    Timeout,
}

fn is_transient(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::TimedOut
}

#[taskward::retry(when = is_transient)]
async fn fetch() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
