// An unknown option of #[coalesce]: the error points at it and lists the valid options.
#[taskward::coalesce(keys = id)]
async fn load(id: u64) -> u64 {
    id
}

fn main() {}
