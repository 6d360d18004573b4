// A duration written as a bare integer: the error points at `100` and shows the string form.
#[taskward::with_timeout(100)]
async fn work() {}

fn main() {}
