// The shared run may be polled by a caller on any thread: the body's future must be `Send`.
use std::rc::Rc;

#[taskward::coalesce]
async fn count(n: u32) -> u32 {
    let local = Rc::new(n);
    tokio::task::yield_now().await;
    *local
}

fn main() {}
