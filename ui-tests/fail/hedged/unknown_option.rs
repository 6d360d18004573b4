// A misspelled option: the error lists the options.
#[taskward::hedged(after = "50ms", delay = "10ms")]
async fn fetch(key: u32) -> u32 {
    key
}

fn main() {}
