// On a function of an `extern` block: one error, on the declaration.
unsafe extern "C" {
    #[taskward::bounded(2)]
    fn abs(x: i32) -> i32;
}

fn main() {}
