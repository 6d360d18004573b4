// `#[rate_limited]` without a rate: the error points at the attribute and shows both forms.
#[taskward::rate_limited]
async fn work() {}

fn main() {}
