// A misspelled variant in `on` does not build: the compiler's error is on the variant.
#[derive(Debug)]
enum FetchError {
    Timeout,
    Io(std::io::ErrorKind),
    Taskward(taskward::Error),
}

impl From<taskward::Error> for FetchError {
    fn from(err: taskward::Error) -> Self {
        FetchError::Taskward(err)
    }
}

#[taskward::circuit_breaker(on = FetchError::Timout | FetchError::Io(_))]
async fn fetch() -> Result<u8, FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
