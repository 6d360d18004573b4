// #[coalesce] takes no positional argument: the key is written `key = ...`.
#[taskward::coalesce(id)]
async fn load(id: u64) -> u64 {
    id
}

fn main() {}
