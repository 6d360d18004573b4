// A misspelled option: the error is on it and lists the options.
#[taskward::rate_limited(10, per = "1s", brust = 5)]
async fn work() {}

fn main() {}
