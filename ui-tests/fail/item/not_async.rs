// `#[bounded]` on a plain `fn`: the error points at `fn` and asks for `async fn`.
#[taskward::bounded(2)]
fn work() {}

fn main() {}
