// #[check] takes only `allow(..)`: an error on the argument, naming the checks.
#[taskward::check(blocking)]
async fn f() {}

fn main() {}
