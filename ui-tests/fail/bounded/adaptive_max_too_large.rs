// A `max` above `AdaptiveBulkhead::MAX_LIMIT`.
#[taskward::bounded(adaptive, max = 2305843009213693952)]
async fn work() {}

fn main() {}
