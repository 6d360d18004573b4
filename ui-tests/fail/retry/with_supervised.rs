// #[retry] and #[supervised] on one function: refused, on the second, with why.
#[taskward::supervised]
#[taskward::retry]
async fn fetch() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
