// A duration with an exponent: the message says to write the number out.
#[taskward::with_timeout("1e3ms")]
async fn work() {}

fn main() {}
