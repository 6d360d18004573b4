// An argument that is not `Send` (`Rc`): taskward's message, on the argument's type, and no other
// error for the same mistake.
use std::rc::Rc;

#[taskward::blocking]
fn count(words: Rc<Vec<String>>, n: usize) -> usize {
    words.len() + n
}

fn main() {}
