// `M` is not minutes (nor months): the message says to write `m`.
#[taskward::with_timeout("5M")]
async fn work() {}

fn main() {}
