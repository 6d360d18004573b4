// `after = "0ms"` would hedge at once, every call: the error is on the literal.
#[taskward::hedged(after = "0ms")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
