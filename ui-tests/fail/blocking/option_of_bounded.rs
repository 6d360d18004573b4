// An option of another attribute given to `#[blocking]`: the error names the attribute it belongs
// to.
#[taskward::blocking(wait = "1s")]
fn read(path: String) -> usize {
    path.len()
}

fn main() {}
