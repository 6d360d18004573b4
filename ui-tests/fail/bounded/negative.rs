// A negative limit: the error points at `-1`.
#[taskward::bounded(-1)]
async fn work() {}

fn main() {}
