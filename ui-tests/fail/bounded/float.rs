// A limit that is not an integer: the error points at `1.5`.
#[taskward::bounded(1.5)]
async fn work() {}

fn main() {}
