//! A real service guarded by taskward: see `app.rs` for the routes, the worker and how errors
//! become HTTP statuses.
//!
//! ```text
//! cargo run --example service            # http://127.0.0.1:3000 (PORT=8080 to change)
//! curl 'http://127.0.0.1:3000/quote'                 # 200
//! curl 'http://127.0.0.1:3000/quote?delay_ms=2000'   # 504 after 300ms
//! curl 'http://127.0.0.1:3000/rate'                  # 200 (its dependency's blips retried)
//! curl 'http://127.0.0.1:3000/rate/outage?down=1'    # then /rate: 502 three times, then 503 (breaker open)
//! curl 'http://127.0.0.1:3000/stats'
//! curl 'http://127.0.0.1:3000/partner'               # within the partner's 50 calls a second
//! ```
//!
//! Three replicas sharing the partner's limit (the `redis` feature, and one Redis):
//!
//! ```text
//! export REDIS_URL=redis://127.0.0.1:6379
//! for port in 3001 3002 3003; do
//!     PORT=$port cargo run --example service --features redis &
//! done
//! # GET /partner on any of them: 50 calls a second in all, not 50 each
//! ```
//!
//! ```text
//! kill -TERM <pid>    # or ctrl-c: stops accepting, finishes what is in flight, prints the report
//! ```
//!
//! `RUST_LOG=taskward=debug` shows what the attributes do (permits, timeouts, restarts, drain).

mod app;

use std::net::Ipv4Addr;
use std::time::Duration;

use taskward::Shutdown;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// How long the requests in flight at shutdown may take before they are cancelled.
const GRACE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();

    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(std::io::Error::other)?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;

    // The process-wide coordinator: SIGINT or SIGTERM triggers it (a second one exits at once).
    let shutdown = Shutdown::global().clone();
    shutdown.on_signals();

    // With the `redis` feature and `REDIS_URL`, the partner's limit holds across every replica.
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("REDIS_URL") {
        let prefix = std::env::var("FLEET_PREFIX").unwrap_or_else(|_| "service".into());
        let fleet = taskward::fleet::connect(url)
            .prefix(prefix)
            .install()
            .await
            .map_err(std::io::Error::other)?;
        println!(
            "fleet limits in {} (prefix {})",
            fleet.url(),
            fleet.prefix()
        );
    }

    let state = app::AppState::new(shutdown);
    println!(
        "listening on http://{} (at most {} quotes at once, {:?} each); ctrl-c to stop",
        listener.local_addr()?,
        app::QUOTE_LIMIT,
        app::QUOTE_TIMEOUT,
    );
    let report = app::run(listener, app::router(state.clone()), state, GRACE).await?;
    println!("{report}");
    // The permits given back last, removed from Redis now rather than when their leases expire.
    #[cfg(feature = "redis")]
    if let Some(fleet) = taskward::fleet::Fleet::installed() {
        fleet.flush().await;
    }
    Ok(())
}
