// A bare name in `on` would bind any error (a misspelled variant imported with `use FetchError::*`
// becomes one): the error is on the name and says to write the variant with its type.
#[derive(Debug)]
enum FetchError {
    Timeout,
    Taskward(taskward::Error),
}
use FetchError::*;

impl From<taskward::Error> for FetchError {
    fn from(err: taskward::Error) -> Self {
        Taskward(err)
    }
}

#[taskward::circuit_breaker(on = Timout)]
async fn fetch() -> Result<u8, FetchError> {
    Err(Timeout)
}

fn main() {}
