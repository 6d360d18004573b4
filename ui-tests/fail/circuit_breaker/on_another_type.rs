// An `on` pattern of another type than the function's error: the compiler's error is on the pattern.
#[derive(Debug)]
enum FetchError {
    Taskward(taskward::Error),
}

impl From<taskward::Error> for FetchError {
    fn from(err: taskward::Error) -> Self {
        FetchError::Taskward(err)
    }
}

#[taskward::circuit_breaker(on = std::io::ErrorKind::TimedOut)]
async fn fetch() -> Result<u8, FetchError> {
    Ok(1)
}

fn main() {}
