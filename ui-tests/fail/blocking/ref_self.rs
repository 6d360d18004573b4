// `&self` cannot go to the blocking pool: the error points at `&self` and says to take
// `self: Arc<Self>`.
struct Index {
    words: Vec<String>,
}

impl Index {
    #[taskward::blocking]
    fn count(&self) -> usize {
        self.words.len()
    }
}

fn main() {}
