// A signed suffix on `min`.
#[taskward::bounded(adaptive, min = 2i32)]
async fn work() {}

fn main() {}
