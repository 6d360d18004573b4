// A duration written as an option named after its unit: the error is on `ms` and writes the
// literal to use instead.
#[taskward::with_timeout(ms = 300)]
async fn work() {}

fn main() {}
