//! The `service` example under real load: the application of `examples/service/app.rs` served on
//! loopback and driven by a real HTTP client (one connection per request), in real time.
//!
//! Checks, with the figures printed (`cargo test --test service -- --nocapture`):
//! 1. requests inside the `#[bounded]` handler never exceed its limit (and reach it under load);
//! 2. requests slower than the `#[with_timeout]` deadline get 504;
//! 3. with every slot busy, the overflow is shed with 503 once `wait` has passed;
//! 4. a shutdown triggered under load lets every request the server received finish with a
//!    response; the requests that fail are ones the server never received (the listener was
//!    closed, or the connection was closed before the server read it);
//! 5. the drain report adds up, and agrees with what the clients saw.
//!
//! And, for `GET /rate` (`#[circuit_breaker]` over `#[retry]` on a flaky dependency): its blips are
//! retried away, an outage opens the breaker after 3 failed requests and then no call reaches the
//! dependency, and a probe after the reset closes it again.

#[path = "../examples/service/app.rs"]
mod app;

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::{self, Next};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use taskward::{DrainReport, Shutdown};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

const MS: fn(u64) -> Duration = Duration::from_millis;
/// Upstream delay of a fast request (well within the deadline).
const FAST: u64 = 20;
/// Upstream delay of a request the deadline cuts.
const SLOW: u64 = 2_000;
/// Upstream delay of a request that is likely in flight when shutdown begins.
const MEDIUM: u64 = 150;
/// The most any one request may take before the test calls it lost.
const REQUEST_LIMIT: Duration = Duration::from_secs(5);
const REQUEST_ID: &str = "x-request-id";

/// What the client saw for one request.
#[derive(Debug, Clone)]
enum Outcome {
    /// A whole response.
    Response {
        status: u16,
        body: String,
        close: bool,
        retry_after: bool,
    },
    /// No TCP connection could be made.
    ConnectFailed(String),
    /// Connected, but no response came.
    Broken(String),
}

impl Outcome {
    /// A short label for tallies: the status and the kind of error, or the client failure.
    fn label(&self) -> String {
        match self {
            Outcome::Response { status, body, .. } => {
                let kind = if body.contains("timed out") {
                    " timeout"
                } else if body.contains("rejected") {
                    " rejected"
                } else if body.contains("shutting down") {
                    " shutting down"
                } else if body.contains("cancelled") {
                    " cancelled"
                } else {
                    ""
                };
                format!("{status}{kind}")
            }
            Outcome::ConnectFailed(_) => "connect failed".into(),
            Outcome::Broken(_) => "no response".into(),
        }
    }

    fn is_client_error(&self) -> bool {
        !matches!(self, Outcome::Response { .. })
    }
}

/// One request and what came of it.
#[derive(Debug, Clone)]
struct Sent {
    id: u64,
    delay: u64,
    started: Instant,
    ended: Instant,
    outcome: Outcome,
}

/// The application served on `127.0.0.1:0`, with a layer that records the id of every request
/// that reaches its router.
struct Service {
    addr: SocketAddr,
    state: app::AppState,
    seen: Arc<Mutex<HashSet<u64>>>,
    task: JoinHandle<io::Result<DrainReport>>,
}

impl Service {
    async fn start(grace: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = app::AppState::new(Shutdown::new());
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let record = {
            let seen = seen.clone();
            move |request: Request, next: Next| {
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                if let Some(id) = id {
                    seen.lock().unwrap().insert(id);
                }
                next.run(request)
            }
        };
        let router = app::router(state.clone()).layer(middleware::from_fn(record));
        let task = tokio::spawn(app::run(listener, router, state.clone(), grace));
        Service {
            addr,
            state,
            seen,
            task,
        }
    }

    /// Waits for [`app::run`] to return.
    async fn stopped(&mut self) -> DrainReport {
        (&mut self.task)
            .await
            .unwrap()
            .expect("the service stops cleanly")
    }

    fn received(&self, id: u64) -> bool {
        self.seen.lock().unwrap().contains(&id)
    }

    /// Waits until `n` requests are inside the quote handler.
    async fn wait_inside(&self, n: usize) {
        let started = Instant::now();
        while self.state.stats.inside() < n {
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{n} requests never were inside the handler at once (saw {})",
                self.state.stats.inside()
            );
            sleep(MS(1)).await;
        }
    }
}

/// A real HTTP/1 client over loopback, a new connection for each request.
struct Client {
    http: HttpClient<HttpConnector, Empty<Bytes>>,
    addr: SocketAddr,
    next_id: AtomicU64,
}

impl Client {
    fn new(addr: SocketAddr) -> Arc<Self> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = HttpClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(connector);
        Arc::new(Client {
            http,
            addr,
            next_id: AtomicU64::new(1),
        })
    }

    /// `GET path` with a fresh request id, bounded by [`REQUEST_LIMIT`].
    async fn get(&self, path: &str) -> (u64, Outcome) {
        let id = self.next_id.fetch_add(1, SeqCst);
        let request = axum::http::Request::get(format!("http://{}{path}", self.addr))
            .header(REQUEST_ID, id)
            .body(Empty::new())
            .unwrap();
        let outcome = match timeout(REQUEST_LIMIT, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Broken(format!("no response within {REQUEST_LIMIT:?}")),
        };
        (id, outcome)
    }

    async fn exchange(&self, request: axum::http::Request<Empty<Bytes>>) -> Outcome {
        let response = match self.http.request(request).await {
            Ok(response) => response,
            Err(err) if err.is_connect() => return Outcome::ConnectFailed(chain(&err)),
            Err(err) => return Outcome::Broken(chain(&err)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.into_body().collect().await {
            Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            Err(err) => return Outcome::Broken(format!("body cut: {}", chain(&err))),
        };
        Outcome::Response {
            status,
            body,
            close: headers
                .get(header::CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close")),
            retry_after: headers.contains_key(header::RETRY_AFTER),
        }
    }

    async fn quote(&self, delay: u64) -> Sent {
        let started = Instant::now();
        let (id, outcome) = self.get(&format!("/quote?delay_ms={delay}")).await;
        Sent {
            id,
            delay,
            started,
            ended: Instant::now(),
            outcome,
        }
    }
}

/// An error and its sources, as one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

/// Sends up to `total` quote requests from `workers` concurrent tasks, the delay of the n-th
/// being `delay(n)`. A task stops when its request fails to connect (the listener is closed).
/// `answered` counts the responses as they come.
async fn load(
    client: Arc<Client>,
    workers: usize,
    total: u64,
    delay: fn(u64) -> u64,
    answered: Arc<AtomicUsize>,
) -> Vec<Sent> {
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (client, next, answered) = (client.clone(), next.clone(), answered.clone());
            tokio::spawn(async move {
                let mut sent = Vec::new();
                loop {
                    let n = next.fetch_add(1, SeqCst);
                    if n >= total {
                        break;
                    }
                    let one = client.quote(delay(n)).await;
                    if !one.outcome.is_client_error() {
                        answered.fetch_add(1, SeqCst);
                    }
                    let stop = matches!(one.outcome, Outcome::ConnectFailed(_));
                    sent.push(one);
                    if stop {
                        break;
                    }
                }
                sent
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

async fn join_all(calls: Vec<JoinHandle<Sent>>) -> Vec<Sent> {
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.unwrap());
    }
    out
}

fn tally<'a>(sent: impl IntoIterator<Item = &'a Sent>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for one in sent {
        *counts.entry(one.outcome.label()).or_default() += 1;
    }
    counts
}

fn stat(page: &str, name: &str) -> usize {
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{name}` in /stats:\n{page}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_holds_its_limits_under_load_and_shuts_down_cleanly() {
    timeout(Duration::from_secs(60), scenario())
        .await
        .expect("the scenario ends within 60s");
}

async fn scenario() {
    let test_started = Instant::now();
    let limit = app::QUOTE_LIMIT;
    let mut service = Service::start(Duration::from_secs(1)).await;
    let client = Client::new(service.addr);
    let mut everything: Vec<Sent> = Vec::new();

    // 1-3. Fill every slot with slow requests; the overflow is shed; the slow ones time out.
    let slow: Vec<_> = (0..limit)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.quote(SLOW).await })
        })
        .collect();
    service.wait_inside(limit).await;
    let overflow: Vec<_> = (0..2 * limit)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.quote(FAST).await })
        })
        .collect();
    let slow = join_all(slow).await;
    let overflow = join_all(overflow).await;
    let timeout_text = format!("{}ms", app::QUOTE_TIMEOUT.as_millis());
    for one in &slow {
        match &one.outcome {
            Outcome::Response {
                status: 504, body, ..
            } if one.outcome.label() == "504 timeout" && body.contains(&timeout_text) => {}
            other => panic!("a slow request got {other:?}, not 504"),
        }
        assert!(one.ended - one.started < MS(SLOW), "cut at the deadline");
    }
    let shed = overflow
        .iter()
        .filter(|one| {
            matches!(
                &one.outcome,
                Outcome::Response {
                    status: 503,
                    retry_after: true,
                    ..
                }
            ) && one.outcome.label() == "503 rejected"
        })
        .count();
    for one in &overflow {
        let label = one.outcome.label();
        assert!(
            label == "503 rejected" || label == "200",
            "overflow got {one:?}"
        );
    }
    // They arrive while every slot is held for 300ms and give up after 50ms: all are shed unless
    // the machine stalls for ~200ms; allow for that.
    assert!(
        shed * 2 >= overflow.len(),
        "{shed} of {} shed",
        overflow.len()
    );
    assert_eq!(service.state.stats.inside_max(), limit);
    println!(
        "bound: {limit} slow requests filled the handler: {:?}; overflow of {}: {:?}",
        tally(&slow),
        overflow.len(),
        tally(&overflow)
    );
    everything.extend(slow);
    everything.extend(overflow);

    // Mixed load: 240 requests from 32 connections at a time, every 8th one slow.
    let mixed = load(
        client.clone(),
        32,
        240,
        |n| if n.is_multiple_of(8) { SLOW } else { FAST },
        Arc::default(),
    )
    .await;
    for one in &mixed {
        let label = one.outcome.label();
        let expected: &[&str] = if one.delay == SLOW {
            &["504 timeout", "503 rejected"]
        } else {
            &["200", "503 rejected"]
        };
        assert!(expected.contains(&label.as_str()), "{one:?}");
    }
    let (_, page) = client.get("/stats").await;
    let Outcome::Response {
        status: 200,
        body: page,
        ..
    } = page
    else {
        panic!("GET /stats: {page:?}")
    };
    assert_eq!(stat(&page, "in_handler_max"), limit, "{page}");
    assert_eq!(stat(&page, "in_handler"), 0, "{page}");
    assert!(stat(&page, "cache_refresh_runs") >= 1, "{page}");
    println!(
        "mixed load: {} requests, 32 at a time: {:?}",
        mixed.len(),
        tally(&mixed)
    );
    println!("/stats after the load:\n{page}");
    everything.extend(mixed);

    // 4. Shutdown in the middle of the load: 16 connections at a time, triggered after 60
    // answers; each sender goes on until its request fails to connect.
    let answered = Arc::new(AtomicUsize::new(0));
    let busy = tokio::spawn(load(
        client.clone(),
        16,
        300,
        |n| match n % 10 {
            0 => SLOW,
            5 => MEDIUM,
            _ => FAST,
        },
        answered.clone(),
    ));
    let waiting = Instant::now();
    while answered.load(SeqCst) < 60 {
        assert!(
            waiting.elapsed() < Duration::from_secs(10),
            "the load stalled"
        );
        sleep(MS(1)).await;
    }
    let answered_at_trigger = answered.load(SeqCst);
    let inside_at_trigger = service.state.stats.inside();
    let tracked_at_trigger = service.state.shutdown.in_flight();
    let triggered = Instant::now();
    service.state.shutdown.trigger();
    let under_shutdown = busy.await.unwrap();
    let report = service.stopped().await;
    // After the server closed every connection: the final figures, late refusals included.
    let last = service.state.shutdown.drain(Duration::ZERO).await;

    let mut lost = Vec::new();
    let mut completed_after = BTreeMap::new();
    // The client's errors, by message.
    let (mut connect_failed, mut unread) = (BTreeMap::new(), BTreeMap::new());
    for one in &under_shutdown {
        match &one.outcome {
            Outcome::Response { .. } => {
                if one.ended >= triggered {
                    *completed_after.entry(one.outcome.label()).or_insert(0) += 1;
                }
            }
            failed => {
                // A client error is only acceptable for a request the server never received.
                if service.received(one.id) {
                    lost.push(one.clone());
                }
                assert!(
                    one.ended >= triggered,
                    "failed before the shutdown: {one:?}"
                );
                match failed {
                    Outcome::ConnectFailed(error) => {
                        assert!(one.started >= triggered, "{one:?}");
                        *connect_failed.entry(error.as_str()).or_insert(0) += 1;
                    }
                    Outcome::Broken(error) => *unread.entry(error.as_str()).or_insert(0) += 1,
                    Outcome::Response { .. } => unreachable!(),
                }
            }
        }
    }
    assert!(
        lost.is_empty(),
        "requests the server received got no response: {lost:#?}"
    );
    let refused_seen: Vec<_> = under_shutdown
        .iter()
        .filter(|one| one.outcome.label() == "503 shutting down")
        .collect();
    for one in &refused_seen {
        assert!(
            matches!(one.outcome, Outcome::Response { close: true, .. }),
            "{one:?}"
        );
    }
    for one in &under_shutdown {
        let label = one.outcome.label();
        assert!(
            ["200", "504 timeout", "503 rejected", "503 shutting down"].contains(&label.as_str())
                || one.outcome.is_client_error(),
            "{one:?}"
        );
    }
    let finished_in_flight =
        completed_after.get("200").unwrap_or(&0) + completed_after.get("504 timeout").unwrap_or(&0);
    assert!(
        finished_in_flight >= 1,
        "no request was in flight across the trigger"
    );
    assert!(
        !connect_failed.is_empty(),
        "no request tried the closed listener"
    );
    // 5. The report adds up and matches what the clients saw.
    assert_eq!(
        report.in_flight,
        report.finished + report.cancelled,
        "{report}"
    );
    assert_eq!(
        report.cancelled, 0,
        "the grace period covers every request: {report}"
    );
    assert!(report.in_flight >= 1, "the worker at least: {report}");
    assert_eq!(last.in_flight, report.in_flight);
    assert_eq!(last.refused, refused_seen.len(), "{last}");
    assert_eq!(service.state.stats.inside_max(), limit);
    println!(
        "shutdown under load: {} requests, triggered after {} answers with {inside_at_trigger} \
         inside the handler and {tracked_at_trigger} tracked calls",
        under_shutdown.len(),
        answered_at_trigger
    );
    println!("  all outcomes: {:?}", tally(&under_shutdown));
    println!("  answered after the trigger: {completed_after:?}");
    println!(
        "  failed, none of them received by the server: to connect (sent after the listener \
         closed): {connect_failed:?}; connected but closed before the server read them: {unread:?}"
    );
    println!("  drain report: {report}");
    println!("  after the server closed: {last}");
    everything.extend(under_shutdown);
    let max_inside = service.state.stats.inside_max();

    // Cancellation at the end of the grace period (here: none): 503 with `Connection: close`.
    let mut service = Service::start(Duration::ZERO).await;
    let client = Client::new(service.addr);
    let cut: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.quote(SLOW).await })
        })
        .collect();
    service.wait_inside(4).await;
    service.state.shutdown.trigger();
    let cut = join_all(cut).await;
    let cut_report = service.stopped().await;
    for one in &cut {
        assert_eq!(one.outcome.label(), "503 cancelled", "{one:?}");
        assert!(matches!(one.outcome, Outcome::Response { close: true, .. }));
        assert!(service.received(one.id));
    }
    assert_eq!(
        cut_report.in_flight,
        cut_report.finished + cut_report.cancelled,
        "{cut_report}"
    );
    assert!(cut_report.cancelled >= 4, "{cut_report}");
    println!(
        "grace 0 with 4 slow requests inside: {:?}; {cut_report}",
        tally(&cut)
    );
    everything.extend(cut);

    println!(
        "in all: {} quote requests in {:?}: {:?}; most inside the handler at once: {max_inside} \
         (limit {limit})",
        everything.len(),
        test_started.elapsed(),
        tally(&everything),
    );
}

/// The status and body of one `GET`.
async fn status(client: &Client, path: &str) -> (u16, String) {
    match client.get(path).await.1 {
        Outcome::Response { status, body, .. } => (status, body),
        other => panic!("GET {path}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_dependency_behind_a_retry_and_a_breaker() {
    let mut service = Service::start(Duration::from_secs(1)).await;
    let client = Client::new(service.addr);
    let rates = service.state.rates.clone();

    // One call in three fails: every request still gets its rate, some after a retry.
    for _ in 0..6 {
        assert_eq!(
            status(&client, "/rate").await,
            (200, "rate 1.0850\n".to_owned())
        );
    }
    let calls = rates.calls.load(SeqCst);
    assert!(
        calls > 6,
        "the blips were retried: {calls} calls for 6 requests"
    );

    // Down: each request fails all 3 attempts (502); after 3 such requests the breaker opens,
    // and the requests after it are refused at once without calling the dependency (503).
    assert_eq!(status(&client, "/rate/outage?down=1").await.0, 200);
    let before = rates.calls.load(SeqCst);
    for _ in 0..3 {
        assert_eq!(status(&client, "/rate").await.0, 502);
    }
    assert_eq!(
        rates.calls.load(SeqCst) - before,
        9,
        "3 requests, 3 attempts each"
    );
    assert_eq!(rates.breaker().times_opened(), 1);
    let open = rates.calls.load(SeqCst);
    for _ in 0..5 {
        let (code, body) = status(&client, "/rate").await;
        assert_eq!(code, 503, "{body}");
        assert!(body.contains("circuit open"), "{body}");
    }
    assert_eq!(
        rates.calls.load(SeqCst),
        open,
        "an open breaker calls nothing"
    );

    // Back up; after the reset a probe goes through and closes the breaker.
    assert_eq!(status(&client, "/rate/outage?down=0").await.0, 200);
    sleep(MS(600)).await;
    let (code, body) = status(&client, "/rate").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(status(&client, "/rate").await.0, 200);
    let stats = status(&client, "/stats").await.1;
    assert!(stats.contains("rate_breaker_opened 1"), "{stats}");

    service.state.shutdown.trigger();
    service.stopped().await;
}
