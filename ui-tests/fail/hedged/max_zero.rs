// `max = 0` would never hedge: the error is on the literal.
#[taskward::hedged(after = "50ms", max = 0)]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
