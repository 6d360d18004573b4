// A `Result` returned under a name that does not end in `Result` would be wrapped in another
// `Result`: the error is on the return type and says how to write it.
type Answer = Result<u64, std::io::Error>;

#[taskward::with_timeout("1s")]
async fn fetch() -> Answer {
    Ok(1)
}

fn main() {}
