// `jitter` written as a flag: the message says it takes a value.
#[taskward::retry(jitter)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
