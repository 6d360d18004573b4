// A `const` limit of zero fails when the bulkhead's `static` is evaluated.
const LIMIT: usize = 0;

#[taskward::bounded(LIMIT)]
async fn work() {}

fn main() {}
