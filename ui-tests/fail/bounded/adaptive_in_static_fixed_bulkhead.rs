// `adaptive, in = NAME` names a fixed `Bulkhead` static: a type mismatch at the name.
static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

#[taskward::bounded(adaptive, in = POOL)]
async fn work() {}

fn main() {}
