// #[coalesce] goes first: the callers share the run of everything below it.
#[taskward::with_timeout("1s")]
#[taskward::coalesce]
async fn load(id: u64) -> u64 {
    id
}

fn main() {}
