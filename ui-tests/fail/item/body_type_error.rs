// A type error in the body points at the user's body and return type, as without the attribute.
#[taskward::bounded(2)]
#[taskward::with_timeout("1s")]
async fn count(items: &[u8]) -> usize {
    let total: u32 = items.iter().map(|&b| u32::from(b)).sum();
    total
}

fn main() {}
