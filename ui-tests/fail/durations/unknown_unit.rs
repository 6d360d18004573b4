// A duration whose unit is not a unit of time points at the literal and lists the units.
#[taskward::with_timeout("5 parsecs")]
async fn work() {}

fn main() {}
