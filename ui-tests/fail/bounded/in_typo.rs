// `in = NAME` with a misspelled name: an unresolved name, at the user's token.
static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

#[taskward::bounded(in = POLO)]
async fn work() {}

fn main() {}
