// `#[tokio::main]` above a taskward attribute has already made `main` a plain `fn`: the message
// says to write the taskward attribute first.
#[tokio::main]
#[taskward::with_timeout("1s")]
async fn main() {}
