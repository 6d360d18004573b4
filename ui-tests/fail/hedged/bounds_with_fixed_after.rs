// `bounds` bounds a percentile delay: with a fixed `after`, the error is on `bounds`.
#[taskward::hedged(after = "50ms", bounds = "1ms..1s")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
