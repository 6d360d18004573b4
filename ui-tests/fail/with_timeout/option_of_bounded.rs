// `wait` belongs to #[bounded]: the message says so, on `wait`.
#[taskward::with_timeout("1s", wait = "100ms")]
async fn work() {}

fn main() {}
