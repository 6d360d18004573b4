// An unknown option of #[bounded]: the error points at the key and lists the valid options.
#[taskward::bounded(2, wiat = "100ms")]
async fn work() {}

fn main() {}
