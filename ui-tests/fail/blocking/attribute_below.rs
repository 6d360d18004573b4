// A taskward attribute below `#[blocking]`: the error points at that attribute and says to move
// `#[blocking]` last.
#[taskward::blocking]
#[taskward::bounded(2)]
fn read(path: String) -> usize {
    path.len()
}

fn main() {}
