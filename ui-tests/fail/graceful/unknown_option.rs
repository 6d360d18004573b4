// An unknown option of #[graceful]: the error points at it and lists the valid options.
#[taskward::graceful(cancle)]
async fn work() {}

fn main() {}
