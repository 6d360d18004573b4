// On a `const async fn`: one error, on `const`.
#[taskward::bounded(2)]
const async fn work() {}

fn main() {}
