// A `&mut` argument cannot be shared by the callers of one run.
#[taskward::coalesce(key = 0)]
async fn fill(buffer: &mut Vec<u8>) -> usize {
    buffer.push(1);
    buffer.len()
}

fn main() {}
