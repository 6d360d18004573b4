// #[with_timeout] takes one duration.
#[taskward::with_timeout("1s", "2s")]
async fn work() {}

fn main() {}
