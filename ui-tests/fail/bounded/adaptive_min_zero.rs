// `min = 0` would never let a call run.
#[taskward::bounded(adaptive, min = 0)]
async fn work() {}

fn main() {}
