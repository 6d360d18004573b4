// `in = NAME` naming a `static` of another type (a bulkhead): the error is on the name.
static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

#[taskward::rate_limited(in = POOL)]
async fn work() {}

fn main() {}
