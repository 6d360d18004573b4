// A misspelled check in `allow(..)`: an error on the name, listing the checks and the stack lints.
#[taskward::check(allow(blockng))]
async fn f() {}

fn main() {}
