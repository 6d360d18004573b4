// `min` without `adaptive`: the error is on `min`, and says to write `adaptive`.
#[taskward::bounded(8, min = 2)]
async fn work() {}

fn main() {}
