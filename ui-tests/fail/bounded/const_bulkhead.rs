// `in = POOL` with a `const` bulkhead: a new bulkhead at every use would limit nothing; the
// compiler's error is on `POOL` and says to make it a `static`.
const POOL: taskward::Bulkhead = taskward::Bulkhead::new(2);

#[taskward::bounded(in = POOL)]
async fn work() {}

fn main() {}
