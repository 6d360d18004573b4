// An error type without `From<taskward::Error>` under a wrapper that can fail: at the return type.
#[derive(Debug)]
struct MyError;

#[taskward::with_timeout("1s")]
async fn work() -> Result<(), MyError> {
    Ok(())
}

fn main() {}
