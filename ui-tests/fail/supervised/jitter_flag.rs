// `jitter` written as a flag: the message says it takes a value.
#[taskward::supervised(jitter)]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
