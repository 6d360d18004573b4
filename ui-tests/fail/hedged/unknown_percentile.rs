// `after = "p100"` is not a percentile #[hedged] reads: the error lists the ones it does.
#[taskward::hedged(after = "p100")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
