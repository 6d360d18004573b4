// `?` on an error that does not convert into the function's error is reported on the `?`.
#[derive(Debug)]
struct AppError;

impl From<taskward::Error> for AppError {
    fn from(_: taskward::Error) -> Self {
        AppError
    }
}

#[taskward::with_timeout("1s")]
async fn parse(text: &str) -> Result<u32, AppError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

fn main() {}
