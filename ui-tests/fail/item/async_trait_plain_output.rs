// With #[async_trait] the signature is fixed: a wrapper that can fail needs a Result return type.
use async_trait::async_trait;

#[async_trait]
trait Clock {
    async fn now(&self) -> u64;
}

struct System;

#[async_trait]
impl Clock for System {
    #[taskward::with_timeout("1s")]
    async fn now(&self) -> u64 {
        0
    }
}

fn main() {}
