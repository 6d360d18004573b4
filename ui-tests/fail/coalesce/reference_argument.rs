// The run is kept while it lasts, beyond any one caller: a borrowed argument cannot be.
#[taskward::coalesce]
async fn length(name: &str) -> usize {
    name.len()
}

fn main() {}
