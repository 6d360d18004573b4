// An error about a stacked attribute as a whole underlines all of its path.
#[taskward::with_timeout("1s")]
#[::taskward::bounded]
async fn work() {}

fn main() {}
