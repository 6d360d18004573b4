// `#[hedged("50ms")]`: the error says to write `after = "50ms"`.
#[taskward::hedged("50ms")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
