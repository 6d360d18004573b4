// A limit with a signed suffix: the error is on the literal.
#[taskward::bounded(8i32)]
async fn work() {}

fn main() {}
