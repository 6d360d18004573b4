// A budget above 1: the error is on the number and says what a budget is.
#[taskward::retry(budget = 1.5)]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
