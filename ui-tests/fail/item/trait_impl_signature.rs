// In a trait impl the trait fixes the signature: a wrapper that can fail cannot turn `usize` into
// a `Result`. The mismatch is reported at the return type.
trait Count {
    async fn count(&self) -> usize;
}

struct Counter;

impl Count for Counter {
    #[taskward::with_timeout("1s")]
    async fn count(&self) -> usize {
        1
    }
}

fn main() {}
