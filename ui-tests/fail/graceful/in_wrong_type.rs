// `in = EXPR` giving a `Shutdown` by value instead of `&Shutdown`: a type error at the expression.
#[taskward::graceful(in = taskward::Shutdown::new())]
async fn work() {}

fn main() {}
