// A `const` limit of a signed type: the error is on the limit.
const LIMIT: i32 = 4;

#[taskward::bounded(LIMIT)]
async fn work() {}

fn main() {}
