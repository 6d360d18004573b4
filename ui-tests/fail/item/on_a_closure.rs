// On a closure: rustc refuses attributes on expressions, and taskward says what it goes on.
fn main() {
    let call = #[taskward::bounded(2)] async || 1;
    drop(call);
}
