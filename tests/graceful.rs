//! `#[graceful]`: calls are tracked by a `Shutdown` coordinator; after the trigger new calls are
//! refused, running calls finish or are cancelled at the grace deadline, and nothing is lost.
//! Outside `#[supervised]` and `#[bounded]`: see `stacks.rs`.

use std::future::Future;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskward::{Error, Shutdown, graceful};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

static JOBS: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[graceful(in = &JOBS)]
async fn job(work: Duration) -> Duration {
    sleep(work).await;
    work
}

#[tokio::test(start_paused = true)]
async fn drain_finishes_some_cancels_the_rest_and_loses_nothing() {
    let started = Instant::now();
    let calls: Vec<_> = [100, 200, 300, 2_000, 5_000]
        .into_iter()
        .map(|ms| tokio::spawn(job(MS(ms))))
        .collect();
    sleep(MS(50)).await;
    assert_eq!(JOBS.in_flight(), 5);

    let drain = tokio::spawn(async { JOBS.drain(MS(1_000)).await });
    tokio::task::yield_now().await;
    assert!(JOBS.is_triggered());

    // new calls are refused at once, with an Err
    let refused: Vec<_> = (0..3).map(|_| tokio::spawn(job(MS(1)))).collect();
    let mut refused_errs = 0;
    for call in refused {
        match call.await.unwrap() {
            Err(Error::ShuttingDown { .. }) => refused_errs += 1,
            other => panic!("expected ShuttingDown, got {other:?}"),
        }
    }

    let report = drain.await.unwrap();
    assert_eq!(started.elapsed(), MS(1_050), "the grace period is exact");
    assert_eq!(report.in_flight, 5);
    assert_eq!(report.finished, 3);
    assert_eq!(report.cancelled, 2);
    assert_eq!(report.refused, 3);
    assert_eq!(report.in_flight, report.finished + report.cancelled);

    let mut finished = 0;
    let mut cancelled = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => finished += 1,
            Err(Error::Cancelled { .. }) => cancelled += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((finished, cancelled, refused_errs), (3, 2, 3));
    assert_eq!(JOBS.in_flight(), 0);
}

struct Server {
    shutdown: Shutdown,
    dropped: AtomicUsize,
}

struct Guard<'a>(&'a AtomicUsize);
impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Server {
    #[graceful(cancel, in = &self.shutdown)]
    async fn stream(&self) -> u32 {
        let _guard = Guard(&self.dropped);
        sleep(Duration::from_secs(3600)).await;
        1
    }

    #[graceful(in = &self.shutdown)]
    async fn mutate(&mut self, n: usize) -> Result<usize, Error> {
        *self.dropped.get_mut() += n;
        Ok(*self.dropped.get_mut())
    }
}

#[tokio::test(start_paused = true)]
async fn cancel_cancels_at_once_when_shutdown_begins() {
    let server = std::sync::Arc::new(Server {
        shutdown: Shutdown::new(),
        dropped: AtomicUsize::new(0),
    });
    let s = server.clone();
    let call = tokio::spawn(async move { s.stream().await });
    sleep(MS(10)).await;
    let started = Instant::now();
    server.shutdown.trigger();
    let result = call.await.unwrap();
    assert!(matches!(result, Err(Error::Cancelled { .. })), "{result:?}");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(
        server.dropped.load(Ordering::SeqCst),
        1,
        "the body was dropped"
    );
    let report = server.shutdown.drain(MS(100)).await;
    assert_eq!(
        (report.in_flight, report.finished, report.cancelled),
        (1, 0, 1)
    );
    assert_eq!(report.elapsed, Duration::ZERO);
}

#[tokio::test]
async fn a_mut_self_method_takes_its_handle_first() {
    let mut server = Server {
        shutdown: Shutdown::new(),
        dropped: AtomicUsize::new(0),
    };
    assert_eq!(server.mutate(2).await, Ok(2));
    server.shutdown.trigger();
    assert!(matches!(
        server.mutate(2).await,
        Err(Error::ShuttingDown { .. })
    ));
}

/// A queue consumer whose coordinator is its own.
struct Consumer {
    shutdown: Shutdown,
}

impl Consumer {
    /// Cut off as soon as shutdown begins: what it has not taken from the queue stays there.
    #[graceful(cancel, in = &self.shutdown)]
    async fn consume_until_shutdown(&self, rx: &mut mpsc::Receiver<u32>, done: &mut Vec<u32>) {
        while let Some(job) = rx.recv().await {
            sleep(MS(10)).await; // the work
            done.push(job);
        }
    }

    /// Runs on after the trigger, until the queue is closed (or the drain's grace deadline).
    #[graceful(in = &self.shutdown)]
    async fn consume_all(&self, rx: &mut mpsc::Receiver<u32>, done: &mut Vec<u32>) {
        while let Some(job) = rx.recv().await {
            sleep(MS(10)).await;
            done.push(job);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn cancel_never_resumes_the_body_after_the_trigger_so_no_job_is_lost() {
    let consumer = Consumer {
        shutdown: Shutdown::new(),
    };
    let (tx, mut rx) = mpsc::channel(8);
    let mut done = Vec::new();
    let (result, ()) = tokio::join!(consumer.consume_until_shutdown(&mut rx, &mut done), async {
        tokio::task::yield_now().await; // the consumer waits in `recv`
        // A job arrives, and shutdown begins, in the same tick.
        tx.send(1).await.unwrap();
        consumer.shutdown.trigger();
    });
    assert!(matches!(result, Err(Error::Cancelled { .. })), "{result:?}");
    assert!(done.is_empty());
    assert_eq!(rx.try_recv(), Ok(1), "the job was taken and dropped");
}

#[tokio::test(start_paused = true)]
async fn without_cancel_the_body_runs_on_after_the_trigger() {
    let consumer = Consumer {
        shutdown: Shutdown::new(),
    };
    let (tx, mut rx) = mpsc::channel(8);
    let mut done = Vec::new();
    let (result, ()) = tokio::join!(consumer.consume_all(&mut rx, &mut done), async {
        tokio::task::yield_now().await;
        tx.send(1).await.unwrap();
        consumer.shutdown.trigger();
        sleep(MS(100)).await;
        tx.send(2).await.unwrap(); // still taken after the trigger
        drop(tx);
    });
    assert_eq!(result, Ok(()));
    assert_eq!(done, [1, 2]);
    let report = consumer.shutdown.drain(MS(100)).await;
    assert_eq!((report.in_flight, report.finished), (1, 1));
}

/// A writer whose every `write` is a call of a `#[graceful]` function, counted.
struct Store {
    shutdown: Shutdown,
    attempts: usize,
}

impl Store {
    #[graceful(in = &self.shutdown)]
    async fn put(&self, bytes: &[u8]) -> std::io::Result<usize> {
        Ok(bytes.len())
    }
}

impl tokio::io::AsyncWrite for Store {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.attempts += 1;
        if this.attempts > 100 {
            // A writer that is retried forever: stop here, so that the test ends.
            return std::task::Poll::Ready(Err(std::io::Error::other("retried 100 times")));
        }
        std::pin::pin!(this.put(buf)).poll(cx)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_refused_call_as_an_io_error_is_not_retried() {
    use tokio::io::AsyncWriteExt;
    let mut store = Store {
        shutdown: Shutdown::new(),
        attempts: 0,
    };
    store.write_all(b"before").await.unwrap();
    assert_eq!(store.attempts, 1);
    store.shutdown.trigger();
    store.attempts = 0;
    let err = store.write_all(b"after").await.unwrap_err();
    assert_eq!(store.attempts, 1, "write_all retried a refused call: {err}");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let source = err.into_inner().unwrap().downcast::<Error>().unwrap();
    assert!(matches!(*source, Error::ShuttingDown { .. }));
}
