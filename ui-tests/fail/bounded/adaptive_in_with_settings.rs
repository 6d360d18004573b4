// With `in`, the settings are the shared bulkhead's: `max` here is an error.
static POOL: taskward::AdaptiveBulkhead = taskward::AdaptiveBulkhead::new(taskward::AdaptiveLimit::new());

#[taskward::bounded(adaptive, in = POOL, max = 8)]
async fn work() {}

fn main() {}
