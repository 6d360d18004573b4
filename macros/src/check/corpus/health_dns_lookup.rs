// expect: blocking
// A health check resolving its upstream with std's blocking resolver.
use std::net::ToSocketAddrs;

async fn upstream_reachable(host: &str) -> bool {
    let Ok(mut addrs) = format!("{host}:443").to_socket_addrs() else {
        return false;
    };
    match addrs.next() {
        Some(addr) => tokio::net::TcpStream::connect(addr).await.is_ok(),
        None => false,
    }
}
