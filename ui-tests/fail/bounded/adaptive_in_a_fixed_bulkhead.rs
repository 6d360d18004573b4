// `adaptive, in = ..` names a fixed `Bulkhead`: the error is on the expression.
static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

#[taskward::bounded(adaptive, in = &POOL)]
async fn work() {}

fn main() {}
