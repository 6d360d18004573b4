// A duration without a unit: the error points at `"100"` and suggests `"100ms"`.
#[taskward::with_timeout("100")]
async fn work() {}

fn main() {}
