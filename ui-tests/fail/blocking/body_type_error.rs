// A body whose value is not of the return type: the error points at the value and at the
// declared return type, as for any `fn`.
#[taskward::blocking]
fn read(path: String) -> usize {
    path
}

fn main() {}
