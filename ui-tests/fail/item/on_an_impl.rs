// On an `impl` block: one error, saying to put it on each function.
struct Db;

#[taskward::with_timeout("1s")]
impl Db {
    async fn query(&self) {}
}

fn main() {}
