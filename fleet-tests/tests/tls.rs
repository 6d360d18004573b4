//! `rediss://` against a real `redis-server` that serves TLS with a certificate of a private CA
//! made here: trusted through `root_certificates`, refused without it (an error at start-up, never
//! a panic). Needs the `tls` feature of this crate (`taskward/redis-tls`) and `openssl` to make the
//! certificates; without either program it skips, saying why.

use std::path::Path;
use std::process::Command;

use taskward::fleet::Fleet;
use taskward_fleet_tests::RedisServer;

/// Runs `openssl` with `args` in `dir`; whether it succeeded.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// A CA, and a certificate for 127.0.0.1 that it signed: `ca.pem`, `server.pem`, `server.key`.
fn certificates(dir: &Path) -> bool {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("a temporary file");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=taskward test CA",
        ],
    ) && openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn rediss_with_the_servers_ca_connects_and_without_it_is_refused() {
    let dir = std::env::temp_dir().join(format!("taskward-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    if !certificates(&dir) {
        // Past the harness's capture, so that a plain `cargo test` shows it.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the TLS test needs openssl to make its certificates (apt-get install openssl)"
        );
        return;
    }
    let tls_port = free_port();
    let path = |name: &str| dir.join(name).display().to_string();
    let (cert, key, ca) = (path("server.pem"), path("server.key"), path("ca.pem"));
    let Some(_server) = RedisServer::start_with(&[
        "--tls-port",
        &tls_port.to_string(),
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
        "--tls-auth-clients",
        "no",
    ]) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{tls_port}");
    let ca_pem = std::fs::read(dir.join("ca.pem")).expect("the CA's certificate");

    // Trusted through the CA: the connection logs in and answers.
    let fleet = Fleet::builder(url.clone())
        .prefix("tls-test")
        .root_certificates(ca_pem)
        .connect()
        .await
        .expect("rediss:// with the server's CA connects");
    assert_eq!(fleet.bulkhead_in_use("nothing-here").await, Ok(0));

    // The public roots do not know the private CA: an error at start-up, saying so.
    let refused = Fleet::builder(url)
        .connect()
        .await
        .expect_err("a certificate of an unknown CA is refused");
    let message = refused.to_string();
    assert!(
        message.contains("127.0.0.1") && message.contains("UnknownIssuer"),
        "{message}"
    );

    let _ = std::fs::remove_dir_all(&dir);
}
