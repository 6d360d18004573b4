// `min > max`: the error is on `min`'s value.
#[taskward::bounded(adaptive, min = 10, max = 4)]
async fn work() {}

fn main() {}
