// The deadline of 40ms ends before the first hedge could start at 50ms: #[hedged] never hedges
// (made an error by `#![deny(deprecated)]`).
#![deny(deprecated)]

#[taskward::with_timeout("40ms")]
#[taskward::hedged(after = "50ms")]
async fn fetch() -> u32 {
    1
}

fn main() {}
