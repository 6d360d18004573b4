// #[coalesce] goes on an `async fn`.
#[taskward::coalesce]
fn square(n: u64) -> u64 {
    n * n
}

fn main() {}
