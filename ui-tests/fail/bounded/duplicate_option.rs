// `wait` given twice: the error points at the second `wait`.
#[taskward::bounded(2, wait = "100ms", wait = "1s")]
async fn work() {}

fn main() {}
