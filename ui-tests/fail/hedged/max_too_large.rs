// `max = 5`: more hedges than #[hedged] starts; the error is on the literal and says the range.
#[taskward::hedged(after = "50ms", max = 5)]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
