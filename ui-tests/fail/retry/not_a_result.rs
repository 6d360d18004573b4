// A function that does not return a `Result` has no `Err` to retry on: the error is on the
// return type and says what to write.
#[taskward::retry]
async fn fetch() -> u32 {
    1
}

fn main() {}
