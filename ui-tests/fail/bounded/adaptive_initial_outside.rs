// An `initial` limit outside `[min, max]`.
#[taskward::bounded(adaptive, min = 2, max = 16, initial = 32)]
async fn work() {}

fn main() {}
