// `initial` outside `bounds`: the error is on the value of `initial`.
#[taskward::hedged(after = "p95", bounds = "1ms..1s", initial = "5s")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
