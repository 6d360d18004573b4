// `cancel` belongs to #[graceful]: the message says so, on `cancel`.
#[taskward::bounded(2, cancel)]
async fn work() {}

fn main() {}
