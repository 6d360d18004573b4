// A layer below #[retry] can fail, and the error type cannot carry its `taskward::Error`: one
// error, on the return type.
#[derive(Debug)]
struct FetchError;

#[taskward::retry]
#[taskward::with_timeout("1s")]
async fn fetch() -> Result<(), FetchError> {
    Err(FetchError)
}

fn main() {}
