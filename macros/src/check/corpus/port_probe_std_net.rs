// expect: blocking
// A port probe with std's connect_timeout inside an async scanner.
async fn probe(addr: SocketAddr) -> PortState {
    match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        Ok(_) => PortState::Open,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => PortState::Closed,
        Err(_) => PortState::Filtered,
    }
}
