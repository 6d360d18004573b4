// An option of another attribute: the error names the attribute it belongs to.
#[taskward::rate_limited(10, per = "1s", cancel)]
async fn work() {}

fn main() {}
