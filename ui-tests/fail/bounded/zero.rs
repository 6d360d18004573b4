// `#[bounded(0)]` would never let a call run: the error points at `0`.
#[taskward::bounded(0)]
async fn work() {}

fn main() {}
