//! Limits that hold across a fleet of processes, kept in Redis: the connection ([`Fleet`]), set up
//! once at start-up, that [`Bulkhead::fleet`](crate::Bulkhead::fleet) and
//! [`RateLimit::fleet`](crate::RateLimit::fleet) use; what a call does when Redis does not answer
//! ([`Unavailable`]); and the figures of a fleet limit ([`FleetFigures`]).
//!
//! The connection lives on a thread of its own (a one-thread tokio runtime), which also renews the
//! leases of the permits this process holds and gives back released ones: a call on any runtime
//! can use it, a permit's drop never blocks, and the runtime of whoever connected may end.

use core::fmt;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::mpsc;
use tokio::time::Instant;

mod background;
pub(crate) mod bulkhead;
mod error;
mod figures;
pub(crate) mod rate;
mod redact;
mod scripts;

use background::background;
use error::classify;
pub use error::{FleetError, FleetErrorKind};
pub(crate) use figures::Cells;
pub use figures::FleetFigures;
pub use redact::redact_url;

/// What a call through a fleet limit does when a Redis step fails or does not answer within the
/// fleet's [deadline](FleetBuilder::deadline).
///
/// The default is [`Fail`](Unavailable::Fail): a fleet limit exists because the thing behind it
/// cannot take more than its limit from the whole fleet, so when the fleet cannot count, the safe
/// answer is not to call (`Allow` sends up to the replicas' whole load at once, which is what the
/// limit was there to prevent), and a local share needs the number of replicas, which only the
/// deployment knows. Choose [`Local`](Unavailable::Local) when you know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unavailable {
    /// A call that can fail (`wait = ..`) fails with [`Error::LimitUnavailable`](crate::Error);
    /// a call that cannot (no `wait`: it waits as long as it takes) waits for Redis to answer
    /// again, trying again after a backoff (10ms doubling to 1s, jittered), each try within the
    /// deadline: it never hangs on one Redis step, and its cancellation (a `#[with_timeout]`
    /// outside, a dropped future) ends it.
    #[default]
    Fail,
    /// The call goes ahead, unlimited.
    Allow,
    /// The call takes a slot of a limit of this process alone, of this many permits (a bulkhead)
    /// or calls per period (a rate limit): the fleet's limit divided by the number of replicas.
    Local(u32),
}

/// Sets up the fleet's connection: `taskward::fleet::connect(url).prefix("billing").install().await?`.
pub fn connect(url: impl Into<String>) -> FleetBuilder {
    Fleet::builder(url)
}

/// The options of a fleet connection, then [`connect`](FleetBuilder::connect) or
/// [`install`](FleetBuilder::install).
#[must_use]
pub struct FleetBuilder {
    url: String,
    prefix: String,
    deadline: Duration,
    connect_timeout: Duration,
    /// `rediss://`: the certificates (PEM) that the server's must chain to, in place of the
    /// public roots.
    #[cfg(feature = "redis-tls")]
    root_certificates: Option<Vec<u8>>,
}

impl fmt::Debug for FleetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetBuilder")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("deadline", &self.deadline)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl FleetBuilder {
    /// The prefix of every key this connection writes (`{prefix}:bulkhead:{name}`,
    /// `{prefix}:rate:{name}`); default `taskward`. Give each service its own, so that two
    /// services on one Redis never share a limit by accident.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one Redis step (an acquire, a renewal, a release) may take before the call treats
    /// Redis as unavailable; default 50ms: a loopback or same-zone round trip is well under a
    /// millisecond, and a call should not wait long on a store that is not answering.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long the first connection (and its login) may take; default 2s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// `rediss://` (feature `redis-tls`): trust the server's certificate when it chains to one of
    /// these (PEM, one or more), in place of the public roots: a Redis behind a private CA.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read(std::env::var("REDIS_CA_FILE")?)?;
    /// taskward::fleet::connect(std::env::var("REDIS_URL")?)
    ///     .root_certificates(ca)
    ///     .install()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "redis-tls")]
    pub fn root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// Connects and checks the login (a `PING`).
    ///
    /// # Errors
    ///
    /// A malformed URL, a refused login, or a server that does not answer within the connect
    /// timeout; the message has no password.
    pub async fn connect(self) -> Result<Fleet, FleetError> {
        let redacted = redact_url(&self.url);
        let secrets = redact::secrets(&self.url);
        let fail = |kind, reason: String| FleetError {
            kind,
            url: redacted.clone(),
            reason: redact::scrub(&reason, &secrets),
        };
        // `rediss://`: rustls with ring, unless the application installed a provider first.
        #[cfg(feature = "redis-tls")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        #[cfg(feature = "redis-tls")]
        let client = match &self.root_certificates {
            Some(pem) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
            None => redis::Client::open(self.url.as_str()),
        };
        #[cfg(not(feature = "redis-tls"))]
        let client = redis::Client::open(self.url.as_str());
        let client = client.map_err(|e| fail(FleetErrorKind::InvalidUrl, e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.deadline.max(Duration::from_millis(1))))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(200));
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let deadline = self.deadline;
        let connect_timeout = self.connect_timeout;
        let held: Arc<Mutex<HashMap<u64, Held>>> = Arc::default();
        let held_bg = Arc::clone(&held);
        std::thread::Builder::new()
            .name("taskward-fleet".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err((FleetErrorKind::Unreachable, e.to_string())));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let conn = tokio::time::timeout(
                        connect_timeout,
                        ConnectionManager::new_with_config(client, config),
                    )
                    .await;
                    let mut conn = match conn {
                        Ok(Ok(conn)) => conn,
                        Ok(Err(e)) => {
                            let _ = ready_tx.send(Err((classify(&e), e.to_string())));
                            return;
                        }
                        Err(_) => {
                            let _ = ready_tx.send(Err((
                                FleetErrorKind::Unreachable,
                                "no answer within the connect timeout".into(),
                            )));
                            return;
                        }
                    };
                    let ping: Result<Result<String, redis::RedisError>, _> = tokio::time::timeout(
                        connect_timeout,
                        redis::cmd("PING").query_async(&mut conn),
                    )
                    .await;
                    match ping {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => {
                            let _ = ready_tx.send(Err((classify(&e), e.to_string())));
                            return;
                        }
                        Err(_) => {
                            let _ = ready_tx.send(Err((
                                FleetErrorKind::Unreachable,
                                "no answer to PING within the connect timeout".into(),
                            )));
                            return;
                        }
                    }
                    if ready_tx.send(Ok(conn.clone())).is_err() {
                        return;
                    }
                    background(conn, rx, held_bg, deadline).await;
                });
            })
            .map_err(|e| fail(FleetErrorKind::Unreachable, e.to_string()))?;
        let conn = match ready_rx.await {
            Ok(Ok(conn)) => conn,
            Ok(Err((kind, reason))) => return Err(fail(kind, reason)),
            Err(_) => {
                return Err(fail(
                    FleetErrorKind::Unreachable,
                    "the connection's thread ended".into(),
                ));
            }
        };
        Ok(Fleet {
            inner: Arc::new(Inner {
                conn,
                prefix: self.prefix,
                deadline,
                url: redacted,
                process: fastrand::u64(..),
                next_lease: AtomicU64::new(0),
                held,
                chores: tx,
            }),
        })
    }

    /// Connects (as [`connect`](Self::connect)) and makes the connection the one of this
    /// process, that every fleet limit uses.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect), or [`FleetErrorKind::AlreadyInstalled`].
    pub async fn install(self) -> Result<&'static Fleet, FleetError> {
        if INSTALLED.get().is_some() {
            return Err(FleetError {
                kind: FleetErrorKind::AlreadyInstalled,
                url: redact_url(&self.url),
                reason: "install the fleet once, at start-up".into(),
            });
        }
        let fleet = self.connect().await?;
        let url = fleet.inner.url.clone();
        let mut fleet = Some(fleet);
        let installed = INSTALLED.get_or_init(|| fleet.take().expect("taken once"));
        if fleet.is_some() {
            return Err(FleetError {
                kind: FleetErrorKind::AlreadyInstalled,
                url,
                reason: "install the fleet once, at start-up".into(),
            });
        }
        installed_event(installed);
        Ok(installed)
    }
}

#[cold]
fn installed_event(fleet: &Fleet) {
    tracing::info!(
        target: "taskward",
        url = %fleet.inner.url,
        prefix = %fleet.inner.prefix,
        deadline = ?fleet.inner.deadline,
        "fleet limits connected to Redis"
    );
}

static INSTALLED: OnceLock<Fleet> = OnceLock::new();

/// The connection of fleet limits to Redis: set up once at start-up with [`connect`] (or
/// [`Fleet::builder`]) and `install()`.
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    prefix: String,
    deadline: Duration,
    /// The URL with its password replaced by `***`.
    url: String,
    /// A random id of this connection: the leases it takes are `{process}:{n}`.
    process: u64,
    next_lease: AtomicU64,
    held: Arc<Mutex<HashMap<u64, Held>>>,
    chores: mpsc::UnboundedSender<Chore>,
}

/// A lease this process holds, for the renewals.
struct Held {
    key: Arc<str>,
    member: String,
    owner: Arc<bulkhead::Owner>,
    lease: Duration,
    renewed: Instant,
}

/// Work for the connection's thread.
enum Chore {
    Release {
        key: Arc<str>,
        member: String,
    },
    /// Answered once every release sent before it has been tried.
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("url", &self.inner.url)
            .field("prefix", &self.inner.prefix)
            .field("deadline", &self.inner.deadline)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// The options of a connection to the Redis at `url` (`redis://[user:password@]host:port/db`,
    /// `rediss://` with the `redis-tls` feature).
    pub fn builder(url: impl Into<String>) -> FleetBuilder {
        FleetBuilder {
            url: url.into(),
            prefix: "taskward".into(),
            deadline: Duration::from_millis(50),
            connect_timeout: Duration::from_secs(2),
            #[cfg(feature = "redis-tls")]
            root_certificates: None,
        }
    }

    /// The connection installed in this process, if any.
    #[must_use]
    pub fn installed() -> Option<&'static Fleet> {
        INSTALLED.get()
    }

    /// The prefix of the keys.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The URL, with its password replaced by `***`.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The deadline of one Redis step.
    #[must_use]
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// The Redis key of a limit: `{prefix}:{kind}:{name}`.
    pub(crate) fn key(&self, kind: &str, name: &str) -> Arc<str> {
        format!("{}:{kind}:{name}", self.inner.prefix).into()
    }

    pub(crate) fn conn(&self) -> ConnectionManager {
        self.inner.conn.clone()
    }

    pub(crate) fn new_member(&self) -> (u64, String) {
        let n = self.inner.next_lease.fetch_add(1, Relaxed);
        (n, format!("{:x}:{n}", self.inner.process))
    }

    /// Registers a lease for the renewals.
    pub(crate) fn hold(
        &self,
        id: u64,
        key: Arc<str>,
        member: String,
        lease: Duration,
        owner: Arc<bulkhead::Owner>,
    ) {
        let mut held = self.inner.held.lock().unwrap_or_else(|e| e.into_inner());
        held.insert(
            id,
            Held {
                key,
                member,
                owner,
                lease,
                renewed: Instant::now(),
            },
        );
    }

    /// Gives a lease back: no more renewals, and a `ZREM` by the connection's thread. Never
    /// blocks.
    pub(crate) fn release(&self, id: u64) {
        let held = self
            .inner
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(Held {
            key, member, owner, ..
        }) = held
        {
            owner.released();
            let _ = self.inner.chores.send(Chore::Release { key, member });
        }
    }

    /// Removes a lease that a step may or may not have added (its answer was lost).
    pub(crate) fn forget(&self, key: Arc<str>, member: String) {
        let _ = self.inner.chores.send(Chore::Release { key, member });
    }

    /// Waits until every permit given back so far has been removed from Redis (or its removal
    /// tried and failed), within the deadline: what a process calls before it exits, so that its
    /// last permits come back at once rather than when their leases expire.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.inner.chores.send(Chore::Flush(tx)).is_ok() {
            let _ = tokio::time::timeout(self.inner.deadline * 4, rx).await;
        }
    }

    /// The number of live leases of a fleet bulkhead named `name`, fleet-wide.
    ///
    /// # Errors
    ///
    /// Redis did not answer within the deadline, or failed.
    pub async fn bulkhead_in_use(&self, name: &str) -> Result<u64, String> {
        let key = self.key("bulkhead", name);
        let mut conn = self.conn();
        let mut invocation = scripts::count().prepare_invoke();
        invocation.key(&*key);
        let step = invocation.invoke_async::<u64>(&mut conn);
        match tokio::time::timeout(self.inner.deadline, step).await {
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within the deadline".into()),
        }
    }
}
