// A return type that is not `Send`: taskward's message, at the return type.
use std::rc::Rc;

#[taskward::blocking]
fn load(n: usize) -> Rc<Vec<u8>> {
    Rc::new(vec![0; n])
}

fn main() {}
