// A duration literal that is not a duration: the error points at `"fast"`.
#[taskward::with_timeout("fast")]
async fn work() {}

fn main() {}
