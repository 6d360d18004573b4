// A plain `fn` that returns a boxed future is not an `async fn` (nor an `#[async_trait]` method).
use std::future::Future;
use std::pin::Pin;

#[taskward::bounded(2)]
fn work() -> Pin<Box<dyn Future<Output = u8> + Send>> {
    Box::pin(async move { 1 })
}

fn main() {}
