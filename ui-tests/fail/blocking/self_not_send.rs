// `self` by value of a type that is not `Send`: taskward's message, at `self`.
use std::rc::Rc;

struct Index {
    words: Rc<Vec<String>>,
}

impl Index {
    #[taskward::blocking]
    fn count(self) -> usize {
        self.words.len()
    }
}

fn main() {}
