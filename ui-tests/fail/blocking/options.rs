// `#[blocking]` takes no options: the error points at the option.
#[taskward::blocking(threads = 4)]
fn read(path: String) -> usize {
    path.len()
}

fn main() {}
