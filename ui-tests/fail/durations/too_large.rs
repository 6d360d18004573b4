// A duration too large to represent points at the literal.
#[taskward::with_timeout("99999999999999999999999h")]
async fn work() {}

fn main() {}
