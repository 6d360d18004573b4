// The same attribute twice on one function: the error points at the second `bounded`.
#[taskward::bounded(2)]
#[taskward::bounded(3)]
async fn work() {}

fn main() {}
