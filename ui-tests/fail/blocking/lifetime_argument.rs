// An argument whose type has a lifetime borrows too: the error points at the argument.
use std::borrow::Cow;

#[taskward::blocking]
fn count<'a>(words: Vec<Cow<'a, str>>) -> usize {
    words.len()
}

fn main() {}
