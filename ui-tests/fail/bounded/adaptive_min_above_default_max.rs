// `min` above the default `max` (128), with no `max` written: says to write `max` too.
#[taskward::bounded(adaptive, min = 200)]
async fn work() {}

fn main() {}
