// A `&str` argument cannot go to the blocking pool: the error points at the argument and says to
// take an owned value or an `Arc`.
#[taskward::blocking]
fn count(text: &str) -> usize {
    text.len()
}

fn main() {}
