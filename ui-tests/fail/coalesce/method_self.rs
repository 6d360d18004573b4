// The body of a method borrows `self`, which the shared run cannot keep.
struct Client;

impl Client {
    #[taskward::coalesce]
    async fn get(&self, id: u64) -> u64 {
        id
    }
}

fn main() {}
