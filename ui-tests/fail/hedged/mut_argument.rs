// A `&mut` argument: two runs at once cannot both hold it; the error is on the argument.
#[taskward::hedged(after = "50ms")]
async fn fill(buffer: &mut Vec<u8>) -> usize {
    buffer.push(1);
    buffer.len()
}

fn main() {}
