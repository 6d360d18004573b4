// `#[bounded]` without a limit: the error points at the attribute and shows both forms.
#[taskward::bounded]
async fn work() {}

fn main() {}
