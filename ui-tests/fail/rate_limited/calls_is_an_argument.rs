// A number of calls that is an argument: the error is on it and says how to rate by a run-time
// number.
#[taskward::rate_limited(n, per = "1s")]
async fn work(n: u32) -> u32 {
    n
}

fn main() {}
