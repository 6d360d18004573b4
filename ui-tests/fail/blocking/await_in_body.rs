// The body of a `#[blocking]` fn is synchronous: an `.await` in it is an error at the `.await`.
#[taskward::blocking]
fn read(path: String) -> usize {
    tokio::task::yield_now().await;
    path.len()
}

fn main() {}
