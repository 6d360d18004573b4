//! The near misses of the checks of the body: correct code that must build without a warning under
//! `#![deny(warnings)]`, with `#[check]` alone and under other taskward attributes; and the ways to
//! keep a finding that is meant.
#![deny(warnings)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskward::{blocking, bounded, check, with_timeout};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

#[check]
async fn tokio_sleep() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[check]
async fn tokio_fs(path: &str) -> std::io::Result<String> {
    use tokio::fs;
    let text = fs::read_to_string(path).await?;
    let _file = tokio::fs::File::open(path).await?;
    Ok(text)
}

#[check]
async fn tokio_mutex_across_await(state: &tokio::sync::Mutex<Vec<u8>>) {
    let mut guard = state.lock().await;
    tokio::task::yield_now().await;
    guard.push(1);
}

#[check]
async fn std_guard_dropped(state: &Mutex<Vec<u8>>) {
    let mut guard = state.lock().unwrap();
    guard.push(1);
    drop(guard);
    tokio::task::yield_now().await;
}

#[check]
async fn std_guard_scoped(state: &Mutex<Vec<u8>>) -> usize {
    let len = {
        let guard = state.lock().unwrap();
        guard.len()
    };
    *state.lock().unwrap() = Vec::new();
    tokio::task::yield_now().await;
    len
}

#[check]
async fn bounded_channel() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u8>(16);
    let (done, _wait) = tokio::sync::oneshot::channel::<()>();
    let _ = tx.send(1).await;
    let _ = rx.recv().await;
    let _ = done.send(());
}

#[check]
async fn spawn_blocking_closures(path: String) -> std::io::Result<Vec<u8>> {
    let handle = std::thread::spawn(|| std::thread::sleep(Duration::from_millis(1)));
    let _ = handle;
    tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .expect("not cancelled")
}

#[check]
async fn spawn_loop_with_permit(jobs: Vec<u64>) {
    let limit = Arc::new(Semaphore::new(4));
    for job in jobs {
        let permit = limit.clone().acquire_owned().await.expect("never closed");
        drop(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(job)).await;
            drop(permit);
        }));
    }
}

async fn handle_connection(socket: tokio::net::TcpStream) {
    drop(socket);
}

#[check]
async fn accept_loop(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        drop(tokio::spawn(handle_connection(socket)));
    }
}

/// Under another attribute: the checks run too, and find nothing here.
#[bounded(2)]
#[with_timeout("1s")]
async fn under_a_stack(state: &Mutex<u64>) -> u64 {
    let n = *state.lock().unwrap();
    tokio::time::sleep(Duration::from_millis(n)).await;
    n
}

/// `#[check]` in a stack: no layer of its own.
#[bounded(2)]
#[check(allow(blocking))]
async fn check_in_a_stack() {
    std::thread::sleep(Duration::from_millis(1));
}

/// A `#[blocking]` body is where blocking calls belong.
#[blocking]
fn read_on_the_pool(path: String) -> std::io::Result<String> {
    std::thread::sleep(Duration::from_millis(1));
    std::fs::read_to_string(path)
}

/// A plain `fn` is sync code.
#[check]
fn plain(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// Meant: one statement, and one check for the whole function.
#[check(allow(unbounded_channel))]
async fn acknowledged(state: &Mutex<u64>) {
    #[check(allow(blocking))]
    std::thread::sleep(Duration::from_millis(1));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
    let _ = tx.send(1);
    #[check(allow(lock_across_await))]
    let guard = state.lock().unwrap();
    tokio::task::yield_now().await;
    drop(guard);
}

struct Service {
    hits: Mutex<u64>,
}

impl Service {
    #[check]
    async fn call(&self) -> u64 {
        *self.hits.lock().unwrap() += 1;
        tokio::task::yield_now().await;
        #[check]
        async fn nested() {
            tokio::task::yield_now().await;
        }
        nested().await;
        *self.hits.lock().unwrap()
    }
}

fn main() {
    let state = Mutex::new(Vec::new());
    drop(tokio_sleep());
    drop(tokio_fs("x"));
    drop(tokio_mutex_across_await(&tokio::sync::Mutex::new(Vec::new())));
    drop(std_guard_dropped(&state));
    drop(std_guard_scoped(&state));
    drop(bounded_channel());
    drop(spawn_blocking_closures(String::new()));
    drop(spawn_loop_with_permit(Vec::new()));
    let _ = accept_loop;
    drop(under_a_stack(&Mutex::new(0)));
    drop(check_in_a_stack());
    drop(read_on_the_pool(String::new()));
    let _ = plain;
    drop(acknowledged(&Mutex::new(0)));
    let service = Service {
        hits: Mutex::new(0),
    };
    drop(service.call());
}
