// `adaptive` with a fixed limit: the error is on the number, and says to write `initial` or `max`.
#[taskward::bounded(8, adaptive)]
async fn work() {}

fn main() {}
