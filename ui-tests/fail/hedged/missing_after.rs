// #[hedged] without `after`: the error is on the attribute and says what to write.
#[taskward::hedged(max = 2)]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
