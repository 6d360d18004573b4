// A limit above the most a `Bulkhead` holds is an error on the literal, not a panic when the
// generated `static` is evaluated.
#[taskward::bounded(4611686018427387904)]
async fn work() {}

fn main() {}
