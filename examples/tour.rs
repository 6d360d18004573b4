//! A short tour of taskward: every attribute at work, in a few seconds, ending by itself.
//!
//! ```text
//! cargo run --example tour
//! ```
//!
//! The lines that start with a time and a level come from taskward's own `tracing` events (target
//! `taskward`); the indented lines are printed by the tour.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use taskward::{
    Bulkhead, Error, Shutdown, blocking, bounded, graceful, retry, supervised, with_timeout,
};
use tokio::time::{Instant, sleep};

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Prints a line of the tour with the time since the start (the same clock as taskward's events).
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        println!("{:>7.3}s   {line}", START.elapsed().as_secs_f64());
    }};
}

/// Times taskward's events on the tour's clock.
struct SinceStart;

impl tracing_subscriber::fmt::time::FormatTime for SinceStart {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{:>7.3}s", START.elapsed().as_secs_f64())
    }
}

// 1. #[bounded]: at most 2 calls at once; the others queue.
static RENDERER: Bulkhead = Bulkhead::new(2);

#[bounded(in = RENDERER)]
async fn render(page: u32) -> String {
    say!(
        "render page {page} starts ({} of {} permits in use)",
        RENDERER.in_flight(),
        RENDERER.limit()
    );
    sleep(Duration::from_millis(200)).await;
    format!("<page {page}>")
}

// 2. #[with_timeout]: the whole call must finish within 300ms; a slow body is dropped.
#[with_timeout("300ms")]
async fn lookup(key: &str, latency: Duration) -> String {
    sleep(latency).await;
    format!("value of {key}")
}

// 3. #[bounded(wait = ...)]: load shedding — wait at most 50ms for a permit, then give up.
#[bounded(1, wait = "50ms")]
async fn checkout(order: u32) -> u32 {
    sleep(Duration::from_millis(300)).await;
    order
}

// 4. #[supervised]: a worker that panics now and then is restarted with backoff.
static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[supervised(restarts = 5, within = "10s", backoff = "100ms..1s")]
async fn import_batch(batch: Vec<u32>) -> Result<usize, Error> {
    let attempt = ATTEMPTS.fetch_add(1, Ordering::SeqCst) + 1;
    say!("import attempt {attempt} of a batch of {}", batch.len());
    sleep(Duration::from_millis(50)).await;
    assert!(attempt >= 3, "the importer lost its connection");
    Ok(batch.len())
}

// 5. #[graceful]: calls tracked by a coordinator; shutdown refuses new calls and drains.
static SHUTDOWN: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

/// A background worker that must never end: restarted after every run, and after its panics,
/// until shutdown.
static BEATS: AtomicU32 = AtomicU32::new(0);

#[graceful(in = &SHUTDOWN)]
#[supervised(restart = "always", backoff = "200ms..1s")]
async fn heartbeat() -> Result<(), Error> {
    let beat = BEATS.fetch_add(1, Ordering::SeqCst) + 1;
    say!("heartbeat {beat}");
    sleep(Duration::from_millis(100)).await;
    assert!(!beat.is_multiple_of(3), "heartbeat {beat} lost its socket");
    Ok(())
}

#[graceful(in = &SHUTDOWN)]
#[with_timeout("5s")]
async fn upload(file: u32, size_ms: u64) -> u32 {
    sleep(Duration::from_millis(size_ms)).await;
    file
}

// 6. #[blocking]: synchronous work (the sleep stands for a slow disk or a long computation) on
// tokio's blocking pool, so the executor goes on with other tasks. It is the innermost attribute:
// the deadline above bounds the caller's wait, and a body past it is abandoned, not stopped.
#[with_timeout("500ms")]
#[blocking]
fn digest(name: String, work_ms: u64) -> u64 {
    assert!(!name.is_empty(), "nothing to digest");
    std::thread::sleep(Duration::from_millis(work_ms));
    say!("digest of {name} done on the blocking pool");
    name.bytes().map(u64::from).sum()
}

// 7. #[retry]: a flaky lookup is called again with backoff; an error that calling again cannot
// fix is returned at once.
#[derive(Debug)]
enum QuoteError {
    Unavailable,
    UnknownSymbol,
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuoteError::Unavailable => f.write_str("the quote service is unavailable"),
            QuoteError::UnknownSymbol => f.write_str("unknown symbol"),
        }
    }
}

static QUOTES: AtomicU32 = AtomicU32::new(0);

#[retry(attempts = 4, backoff = "100ms..1s", on = QuoteError::Unavailable)]
async fn quote(symbol: &str) -> Result<u32, QuoteError> {
    let call = QUOTES.fetch_add(1, Ordering::SeqCst) + 1;
    say!("quote {symbol}: call {call}");
    if symbol == "???" {
        return Err(QuoteError::UnknownSymbol);
    }
    if call < 3 {
        return Err(QuoteError::Unavailable);
    }
    Ok(42)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "taskward=debug".into()),
        )
        .with_timer(SinceStart)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    // Panics inside supervised bodies are caught and reported by taskward's own event; keep the
    // default hook from printing a backtrace hint for them.
    std::panic::set_hook(Box::new(|_| {}));
    LazyLock::force(&START);

    println!("\n#[bounded(in = RENDERER)], 2 permits: 5 pages rendered, 2 at a time");
    let pages = futures_join((1..=5).map(render)).await;
    say!("rendered {}", pages.join(" "));

    println!("\n#[with_timeout(\"300ms\")]: a fast lookup, then a slow one cut at the deadline");
    let fast = lookup("fast", Duration::from_millis(100)).await;
    say!("{fast:?}");
    let slow = lookup("slow", Duration::from_secs(10)).await;
    say!("{:?}", slow.map_err(|e| e.to_string()));

    println!("\n#[bounded(1, wait = \"50ms\")]: 3 orders at once; the overflow is shed after 50ms");
    for result in futures_join((1..=3).map(checkout)).await {
        match result {
            Ok(order) => say!("order {order} checked out"),
            Err(err) => say!("rejected: {err}"),
        }
    }

    println!("\n#[supervised]: the importer panics twice and is restarted with backoff");
    let imported = import_batch(vec![1, 2, 3]).await;
    say!("result: {imported:?}");

    println!(
        "\n#[retry(attempts = 4, on = QuoteError::Unavailable)]: unavailable twice, then a price; an unknown symbol is not retried"
    );
    let price = quote("ACME").await;
    say!("result: {price:?}");
    let unknown = quote("???").await;
    say!("result: {unknown:?}");

    println!(
        "\n#[graceful]: a supervised heartbeat and 4 uploads in flight, shutdown with a 1s grace period"
    );
    let worker = tokio::spawn(heartbeat());
    let uploads: Vec<_> = [200, 1_500, 3_000, 4_000]
        .into_iter()
        .enumerate()
        .map(|(i, ms)| tokio::spawn(upload(i as u32 + 1, ms)))
        .collect();
    sleep(Duration::from_millis(1_000)).await;
    SHUTDOWN.trigger();
    let drain = tokio::spawn(SHUTDOWN.drain(Duration::from_secs(1)));
    let refused = upload(9, 10).await;
    say!(
        "a new upload after the trigger: {:?}",
        refused.map_err(|e| e.to_string())
    );
    let report = drain.await.expect("the drain task ends");
    for upload in uploads {
        match upload.await.expect("the upload task ends") {
            Ok(file) => say!("upload {file} finished"),
            Err(err) => say!("{err}"),
        }
    }
    let worker = worker.await.expect("the worker task ends");
    say!(
        "the heartbeat ended with {worker:?} after {} beats",
        BEATS.load(Ordering::SeqCst)
    );
    say!("{report}");
    println!(
        "\n#[blocking]: three digests on the blocking pool while a timer ticks; the slow one is abandoned at its 500ms deadline, and a panic is an error"
    );
    let ticker = tokio::spawn(async {
        for tick in 1..=3 {
            sleep(Duration::from_millis(150)).await;
            say!("tick {tick}: the executor is free");
        }
    });
    let digests = futures_join([
        digest("a.txt".to_owned(), 200),
        digest("b.txt".to_owned(), 350),
        digest("c.txt".to_owned(), 700),
    ])
    .await;
    for result in digests {
        say!("{:?}", result.map_err(|e| e.to_string()));
    }
    ticker.await.expect("the ticker ends");
    let empty = digest(String::new(), 0).await;
    say!("{:?}", empty.map_err(|e| e.to_string()));
    // The abandoned digest still runs: wait for it to say so.
    sleep(Duration::from_millis(300)).await;

    rate_limited_tour().await;
    circuit_breaker_tour().await;
    adaptive_tour().await;
    hedged_tour().await;
    faults_tour().await;
    coalesce_tour().await;
    check_tour().await;

    println!("\nThat was every attribute. Read the docs with `cargo doc --open`.");
}

/// Runs futures concurrently on this task and returns their outputs in order.
async fn futures_join<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let tasks: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = tasks.iter().map(|_| None).collect();
    let mut tasks: Vec<_> = tasks.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (task, output) in tasks.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = task {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *task = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

// 6. #[rate_limited]: at most 5 calls start per second, 2 of them back to back; a call whose slot
// is more than 500ms away is shed at once.
static PARTNER: taskward::RateLimit =
    taskward::RateLimit::new(5, Duration::from_secs(1)).with_burst(2);

#[taskward::rate_limited(in = PARTNER, wait = "500ms")]
async fn partner_quote(item: u32) -> u32 {
    say!("quote {item} starts");
    item * 100
}

async fn rate_limited_tour() {
    println!(
        "\n#[rate_limited(in = PARTNER, wait = \"500ms\")], {PARTNER}: 6 quotes at once, one every 200ms after the burst, the slots past 500ms shed"
    );
    for result in futures_join((1..=6).map(partner_quote)).await {
        match result {
            Ok(price) => say!("price {price}"),
            Err(err) => say!("{err}"),
        }
    }
    say!(
        "{} started, {} of them after waiting, {} rejected",
        PARTNER.started(),
        PARTNER.waited(),
        PARTNER.rejected()
    );
}

// 6. #[circuit_breaker]: a pricing service that hangs. Each call is cut at 200ms; after 3 such
// failures in a row the breaker opens, and calls fail at once for 1s; then a probe call goes
// through, and its success closes the breaker.
static PRICING_UP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[taskward::circuit_breaker(failures = 3, reset = "1s")]
#[with_timeout("200ms")]
async fn price(item: &str) -> Result<u32, Error> {
    if !PRICING_UP.load(Ordering::SeqCst) {
        sleep(Duration::from_secs(5)).await; // down: no answer
    }
    Ok(u32::try_from(item.len()).unwrap_or(u32::MAX) * 10)
}

async fn circuit_breaker_tour() {
    println!(
        "\n#[circuit_breaker(failures = 3, reset = \"1s\")] #[with_timeout(\"200ms\")]: a pricing service that hangs"
    );
    for call in 1..=5 {
        match price("book").await {
            Ok(cents) => say!("call {call}: {cents} cents"),
            Err(err) => say!("call {call}: {err}"),
        }
    }
    sleep(Duration::from_secs(1)).await;
    PRICING_UP.store(true, Ordering::SeqCst);
    say!(
        "the service is back; 1s later, a probe: {:?}",
        price("book").await
    );
    say!("closed again: {:?}", price("pen").await);
}

// 8. #[bounded(adaptive)]: a search service that serves 4 calls at once in 20ms, and past that
// slows down in proportion (its extra calls queue). No one told the limit: it starts at 1, doubles
// per round trip until the latency rises (overshooting), then comes down while the latency is
// above 1.5× the lowest seen, and climbs by one per round trip while it is not.
static SEARCH: taskward::AdaptiveBulkhead =
    taskward::AdaptiveBulkhead::new(taskward::AdaptiveLimit::new().max(32));
static SEARCHING: AtomicU32 = AtomicU32::new(0);

#[bounded(adaptive, in = SEARCH)]
async fn search(query: u32) -> u32 {
    let now = SEARCHING.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(Duration::from_millis(20) * now.max(4) / 4).await;
    SEARCHING.fetch_sub(1, Ordering::SeqCst);
    query
}

async fn adaptive_tour() {
    println!(
        "\n#[bounded(adaptive, in = SEARCH)]: 24 callers for 1.2s against a service that serves 4 at once (its debug events muted here: one per change of the limit)"
    );
    // The limit changes every few round trips, and the 24 callers wait: keep to `info` here.
    let quiet = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_timer(SinceStart)
            .finish(),
    );
    let end = Instant::now() + Duration::from_millis(1_200);
    let callers = futures_join((0..24).map(|i| async move {
        let mut calls = 0u32;
        while Instant::now() < end {
            search(i).await;
            calls += 1;
        }
        calls
    }));
    let watch = async {
        while Instant::now() < end {
            sleep(Duration::from_millis(200)).await;
            say!(
                "limit {:>2}, in flight {:>2}, at the service {:>2}",
                SEARCH.limit(),
                SEARCH.in_flight(),
                SEARCHING.load(Ordering::SeqCst)
            );
        }
    };
    let (calls, ()) = tokio::join!(callers, watch);
    drop(quiet);
    say!(
        "{} calls; the limit ends at {} for a service whose knee is 4 (the baseline: {:?})",
        calls.iter().sum::<u32>(),
        SEARCH.limit(),
        SEARCH.baseline()
    );
}

// #[hedged]: a read from replicas, one of which stalls now and then. A read not done after 100ms
// asks again (a fresh copy of the key); the first answer wins and the stalled read is dropped.
static READS: AtomicU32 = AtomicU32::new(0);

/// Says when a read that did not finish is dropped.
struct Read {
    read: u32,
    done: bool,
}

impl Drop for Read {
    fn drop(&mut self) {
        if !self.done {
            say!("read {} dropped before it finished", self.read);
        }
    }
}

#[taskward::hedged(after = "100ms")]
async fn read_replica(key: String) -> String {
    let read = READS.fetch_add(1, Ordering::SeqCst);
    say!("read {read} of {key} starts");
    // Every third read stalls for 2s.
    let latency = if read.is_multiple_of(3) { 2000 } else { 30 };
    let mut guard = Read { read, done: false };
    sleep(Duration::from_millis(latency)).await;
    guard.done = true;
    format!("{key} (read {read})")
}

async fn hedged_tour() {
    println!(
        "\n#[hedged(after = \"100ms\")]: reads from replicas, one in three stalls; a hedge after 100ms"
    );
    for key in ["a", "b", "c"] {
        let started = Instant::now();
        let value = read_replica(key.to_owned()).await;
        say!("{value} in {}ms", started.elapsed().as_millis());
    }
}

// Fault injection (feature `fault-injection`, for tests): a test makes an annotated function fail,
// panic or wait, by name, and the stack around it handles the fault.
#[cfg(feature = "fault-injection")]
#[retry(attempts = 3, backoff = "50ms..200ms", jitter = false)]
async fn profile(id: u32) -> Result<String, Error> {
    Ok(format!("profile {id}"))
}

#[cfg(feature = "fault-injection")]
#[with_timeout("300ms")]
async fn avatar(id: u32) -> u32 {
    id
}

#[cfg(feature = "fault-injection")]
async fn faults_tour() {
    use taskward::faults::{Fault, inject};
    println!(
        "\ntaskward::faults: a failure injected into the first two runs of a #[retry] function"
    );
    let failing = inject("profile", Fault::fail().first(2));
    say!("{:?}", profile(7).await);
    say!(
        "runs {}, failed by injection {}",
        failing.runs(),
        failing.hits()
    );
    let _slow = inject("avatar", Fault::delay(Duration::from_secs(2)));
    say!(
        "a 2s delay injected under #[with_timeout(\"300ms\")]: {:?}",
        avatar(7).await.map_err(|e| e.to_string())
    );
}

#[cfg(not(feature = "fault-injection"))]
async fn faults_tour() {
    println!(
        "\nFault injection for tests: `cargo run --example tour --features fault-injection` adds its part."
    );
}

// #[coalesce]: 8 requests for 2 exchange rates arrive together; each rate is fetched once, and every
// request receives it. One impatient caller gives up early: the fetch goes on for the others.
static RATE_FETCHES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[taskward::coalesce]
async fn exchange_rate(currency: String) -> u32 {
    RATE_FETCHES.fetch_add(1, Ordering::SeqCst);
    say!("fetching the {currency} rate");
    sleep(Duration::from_millis(300)).await;
    if currency == "EUR" { 108 } else { 79 }
}

async fn coalesce_tour() {
    println!("\n#[coalesce]: 8 requests for 2 rates at once, one of them gives up after 100ms");
    let impatient = async {
        let rate =
            tokio::time::timeout(Duration::from_millis(100), exchange_rate("EUR".to_owned())).await;
        say!("the impatient caller: {rate:?}; the fetch goes on for the others");
    };
    let requests = futures_join(
        ["EUR", "GBP", "EUR", "EUR", "GBP", "EUR", "GBP"].map(|c| exchange_rate(c.to_owned())),
    );
    let ((), rates) = tokio::join!(impatient, requests);
    let rates: Vec<String> = rates.into_iter().map(|r| format!("{r:?}")).collect();
    say!(
        "{} fetches for {} answers: {}",
        RATE_FETCHES.load(Ordering::SeqCst),
        rates.len(),
        rates.join(" ")
    );
}

// --- #[check]: the async pitfalls of the body, found at compile time --------------------------
// Write `std::thread::sleep` here, hold `hits.lock().unwrap()` across the `.await`, or spawn in the
// loop without a permit, and `cargo build` warns at that token, saying what to write instead. The
// same checks run under every taskward attribute; `#[check]` adds no wrapper.
#[taskward::check]
async fn tally(hits: &std::sync::Mutex<Vec<u32>>, pages: u32) -> usize {
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(2));
    let (done, mut finished) = tokio::sync::mpsc::channel(pages as usize);
    for page in 0..pages {
        // The guard ends with its statement, before any `.await`.
        hits.lock().unwrap().push(page);
        let permit = limit.clone().acquire_owned().await.expect("never closed");
        let done = done.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            let _ = done.send(page).await;
            drop(permit);
        });
    }
    drop(done);
    let mut count = 0;
    while finished.recv().await.is_some() {
        count += 1;
    }
    count
}

async fn check_tour() {
    println!("\n#[check]: no wrapper; the pitfalls of the body are compile-time warnings");
    let hits = std::sync::Mutex::new(Vec::new());
    let count = tally(&hits, 4).await;
    say!(
        "4 pages, 2 at a time behind a permit: {count} finished, hits {:?}",
        hits.lock().unwrap()
    );
}
