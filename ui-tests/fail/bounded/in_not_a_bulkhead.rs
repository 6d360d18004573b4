// `in = EXPR` whose value is not a bulkhead: the error is on the expression.
struct Db {
    slots: usize,
}

impl Db {
    #[taskward::bounded(in = &self.slots)]
    async fn query(&self) -> usize {
        self.slots
    }
}

fn main() {}
