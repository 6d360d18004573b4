// A function with no return type has no `Err` to retry on: the error is on its name.
#[taskward::retry]
async fn fetch() {}

fn main() {}
