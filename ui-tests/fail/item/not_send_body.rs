// A `!Send` body (an `Rc` held across an `.await`) gives a `!Send` future: the error is on the user's code.
use std::rc::Rc;

#[taskward::bounded(2)]
async fn work() {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    let _ = *shared;
}

fn main() {
    drop(tokio::spawn(work()));
}
