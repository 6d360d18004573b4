// A zero timeout: the error points at `"0s"`.
#[taskward::with_timeout("0s")]
async fn work() {}

fn main() {}
