// `#[blocking]` on an `async fn`: the error points at `async` and says to drop it, or the attribute.
#[taskward::blocking]
async fn read(path: String) -> usize {
    path.len()
}

fn main() {}
