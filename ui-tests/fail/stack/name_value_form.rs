// A stacked attribute written `#[name = ...]` is refused with the form to use.
#[taskward::bounded(2)]
#[taskward::with_timeout = "1s"]
async fn work() {}

fn main() {}
