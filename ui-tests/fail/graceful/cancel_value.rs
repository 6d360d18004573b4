// `cancel` is a flag, not `cancel = ...`.
#[taskward::graceful(cancel = true)]
async fn work() {}

fn main() {}
