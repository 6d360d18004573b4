// #[hedged] and #[retry] on one function: their runs would multiply.
#[taskward::retry]
#[taskward::hedged(after = "50ms")]
async fn fetch(key: u32) -> Result<u32, std::io::Error> {
    Ok(key)
}

fn main() {}
