// On a struct: one error, naming what the attribute goes on.
#[taskward::bounded(2)]
struct Pool;

fn main() {}
