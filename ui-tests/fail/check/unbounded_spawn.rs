// `tokio::spawn` in a loop over an input of any length, with no permit and no `JoinSet` drained: a
// warning at `spawn`, which suggests a `Semaphore` permit or `#[bounded]` on the spawned function.
#![deny(warnings)]

async fn fetch(url: String) -> usize {
    url.len()
}

#[taskward::check]
async fn fetch_all(urls: Vec<String>) {
    for url in urls {
        tokio::spawn(fetch(url));
    }
}

fn main() {
    drop(fetch_all(Vec::new()));
}
