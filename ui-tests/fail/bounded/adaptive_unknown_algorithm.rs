// An algorithm that is not `aimd` or `vegas`: the error lists them.
#[taskward::bounded(adaptive, algorithm = gradient)]
async fn work() {}

fn main() {}
