// A limit written as a string: the error points at `"8"` and asks for an integer.
#[taskward::bounded("8")]
async fn work() {}

fn main() {}
