// Functions written through `macro_rules!`: a body passed as `$body:block`, limits, durations and
// options passed as `$n:literal`, `$n:expr`, `$d:literal`, and a signature made of fragments, as a
// service that generates one handler per route writes them.
#![deny(warnings)]

use std::time::Duration;

macro_rules! handler {
    ($name:ident, $limit:literal, $deadline:literal, $body:block) => {
        #[taskward::bounded($limit, wait = $deadline)]
        #[taskward::with_timeout($deadline)]
        async fn $name() -> u32 $body
    };
}

handler!(home, 4, "50ms", { 1 });
handler!(about, 8, "1s", {
    let x = 2;
    x
});

macro_rules! worker {
    ($name:ident($($arg:ident: $ty:ty),*) -> $out:ty, restarts = $n:expr, backoff = $b:literal, $body:block) => {
        #[taskward::supervised(restarts = $n, backoff = $b)]
        async fn $name($($arg: $ty),*) -> $out $body
    };
}

worker!(consume(queue: Vec<u8>, tag: &str) -> Result<usize, taskward::Error>, restarts = 3, backoff = "1ms..2ms", {
    Ok(queue.len() + tag.len())
});

macro_rules! deadline {
    ($name:ident, $d:expr) => {
        #[taskward::with_timeout($d)]
        async fn $name(x: u8) -> u8 {
            x
        }
    };
}

deadline!(computed, Duration::from_millis(10));
deadline!(literal, "10ms");

macro_rules! shared {
    ($name:ident, $pool:path) => {
        #[taskward::bounded(in = $pool)]
        async fn $name() {}
    };
}

static POOL: taskward::Bulkhead = taskward::Bulkhead::new(2);
shared!(pooled, POOL);

// The attributes of the later issues, through the same fragments.
macro_rules! hedged_read {
    ($name:ident($arg:ident: $ty:ty), $after:literal, $max:literal, $body:block) => {
        #[taskward::hedged(after = $after, max = $max)]
        async fn $name($arg: $ty) -> usize $body
    };
}

hedged_read!(read(key: String), "50ms", 2, { key.len() });

macro_rules! coalesced {
    ($name:ident($arg:ident: $ty:ty), key = $key:expr, $body:block) => {
        #[taskward::coalesce(key = $key)]
        async fn $name($arg: $ty) -> Result<u32, taskward::Error> $body
    };
}

coalesced!(lookup(id: u32), key = id, { Ok(id + 1) });

macro_rules! adaptive {
    ($name:ident, $min:literal, $max:literal, $body:block) => {
        #[taskward::bounded(adaptive, min = $min, max = $max)]
        async fn $name() -> u32 $body
    };
}

adaptive!(query, 2, 16, { 7 });

macro_rules! checked {
    ($name:ident, $body:block) => {
        #[taskward::check]
        async fn $name() -> u32 $body
    };
}

checked!(pause, {
    tokio::time::sleep(Duration::from_millis(1)).await;
    5
});

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        assert_eq!(home().await.unwrap(), 1);
        assert_eq!(about().await.unwrap(), 2);
        assert_eq!(consume(vec![1, 2], "t").await.unwrap(), 3);
        assert_eq!(computed(3).await.unwrap(), 3);
        assert_eq!(literal(4).await.unwrap(), 4);
        pooled().await;
        assert_eq!(read("abc".to_owned()).await, 3);
        assert_eq!(lookup(1).await, Ok(2));
        assert_eq!(query().await, 7);
        assert_eq!(pause().await, 5);
    });
}
