// `crate = ...` takes a path: the error is on the value.
#[taskward::bounded(2, crate = "taskward")]
async fn work() {}

fn main() {}
