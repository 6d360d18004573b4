// `#[bounded(4, in = POOL)]`: a limit of its own and a shared bulkhead conflict.
static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

#[taskward::bounded(4, in = POOL)]
async fn work() {}

fn main() {}
