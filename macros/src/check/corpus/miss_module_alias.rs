// expect: none
// missed: blocking
// A module-level alias of the thread's sleep: the macro cannot see the module's imports.
use std::thread::sleep as pause;

async fn drain_slowly(queue: &Queue) {
    while let Some(item) = queue.pop().await {
        item.process().await;
        pause(Duration::from_millis(50));
    }
}
