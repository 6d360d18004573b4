// A duration with a fraction: whole numbers only, in a smaller unit where needed.
#[taskward::with_timeout("0.5s")]
async fn work() {}

fn main() {}
