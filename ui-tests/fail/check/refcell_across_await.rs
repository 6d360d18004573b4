// A `RefCell` borrow alive across an `.await`: the warning is on the borrow's binding, and says
// what a borrow held while the task waits does (another borrow panics), not what a lock does.
#![deny(warnings)]

use std::cell::RefCell;

#[taskward::check]
async fn tally(counts: &RefCell<Vec<u64>>, n: u64) {
    let mut counts = counts.borrow_mut();
    counts.push(n);
    tokio::task::yield_now().await;
    counts.push(n + 1);
}

fn main() {
    drop(tally(&RefCell::new(Vec::new()), 1));
}
