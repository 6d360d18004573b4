// A limit that names `Self`: the `static` inside the function cannot see the impl.
struct Db;

impl Db {
    const LIMIT: usize = 4;

    #[taskward::bounded(Self::LIMIT)]
    async fn query(&self) {}
}

fn main() {}
