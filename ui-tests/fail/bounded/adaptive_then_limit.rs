// A number after `adaptive`: the same error, on the number.
#[taskward::bounded(adaptive, 8)]
async fn work() {}

fn main() {}
