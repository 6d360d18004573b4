// `in = Self::POOL`: an associated `const` bulkhead would be a new one at every use.
struct Db;

impl Db {
    const POOL: taskward::Bulkhead = taskward::Bulkhead::new(2);

    #[taskward::bounded(in = Self::POOL)]
    async fn query(&self) {}
}

fn main() {}
