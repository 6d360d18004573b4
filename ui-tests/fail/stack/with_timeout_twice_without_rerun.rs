// Two deadlines with nothing that runs the body again between them: the second is reported, and
// the message says when two are allowed.
#[taskward::with_timeout("1s")]
#[taskward::bounded(2)]
#[taskward::with_timeout("2s")]
async fn work() {}

fn main() {}
