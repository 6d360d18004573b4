// `adaptive = true`: `adaptive` is written alone.
#[taskward::bounded(adaptive = true)]
async fn work() {}

fn main() {}
