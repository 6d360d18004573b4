// #[hedged] on a plain `fn`: the error is on `fn`.
#[taskward::hedged(after = "50ms")]
fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
