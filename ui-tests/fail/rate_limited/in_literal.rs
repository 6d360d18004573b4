// `in` given a literal: the error is on it and says what `in` takes.
#[taskward::rate_limited(in = 10)]
async fn work() {}

fn main() {}
