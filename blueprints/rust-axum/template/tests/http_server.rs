//! The server over real TCP on 127.0.0.1: slow or idle connections are closed, the
//! connection cap answers 503, and a served request carries the security headers.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use common::service::app::app;
use common::service::limits::HttpLimits;
use common::service::server::serve_with;
use common::{Caller, caller};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server on 127.0.0.1 with `limits`, stopped when dropped.
struct Running {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    async fn start(limits: HttpLimits) -> Self {
        let Caller { state, .. } = caller().await;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve_with(listener, app(state), &limits, async {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            port,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        stream
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("shutdown within 10 s");
            result.expect("task").expect("serve");
        }
    }
}

fn limits(header_read_timeout: Duration, idle_timeout: Duration) -> HttpLimits {
    HttpLimits {
        header_read_timeout,
        idle_timeout,
        shutdown_grace: Duration::from_secs(2),
        ..HttpLimits::default()
    }
}

/// Reads until the server closes the connection (or 5 s pass); returns what was
/// read and how long the server took to close.
fn read_until_closed(mut stream: TcpStream) -> (String, Option<Duration>) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (String::from_utf8_lossy(&received).into_owned(), None);
            }
            // A reset is the server closing too.
            Err(_) => break,
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        Some(started.elapsed()),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_header_connection_is_closed() {
    let server = Running::start(limits(Duration::from_millis(300), Duration::from_secs(30))).await;
    let mut stream = server.connect();
    // The request line and one header, then nothing: a slowloris client.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("write");
    let (_, closed_after) = tokio::task::spawn_blocking(move || read_until_closed(stream))
        .await
        .expect("reader");
    let closed_after = closed_after.expect("the connection stayed open");
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = Running::start(limits(Duration::from_millis(300), Duration::from_secs(30))).await;
    let mut stream = server.connect();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("write");
    let (received, closed_after) = tokio::task::spawn_blocking(move || read_until_closed(stream))
        .await
        .expect("reader");
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(closed_after.is_some(), "the idle connection stayed open");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_where_nothing_moves_is_closed() {
    // The header timer is long here: the idle timeout closes the connection.
    let server = Running::start(limits(Duration::from_secs(20), Duration::from_millis(300))).await;
    let stream = server.connect();
    let (_, closed_after) = tokio::task::spawn_blocking(move || read_until_closed(stream))
        .await
        .expect("reader");
    let closed_after = closed_after.expect("the silent connection stayed open");
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_cap_get_503_at_once() {
    let server = Running::start(HttpLimits {
        max_connections: 1,
        ..limits(Duration::from_secs(5), Duration::from_secs(5))
    })
    .await;
    let holder = server.connect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = server.connect();
    let (received, closed_after) = tokio::task::spawn_blocking(move || read_until_closed(refused))
        .await
        .expect("reader");
    assert!(
        received.starts_with("HTTP/1.1 503"),
        "over the cap: {received:?}"
    );
    assert!(closed_after.is_some_and(|after| after < Duration::from_secs(2)));
    drop(holder);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn served_over_tcp_with_request_id_and_security_headers() {
    let server = Running::start(HttpLimits::default()).await;
    let mut stream = server.connect();
    stream
        .write_all(b"GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .expect("write");
    let (received, _) = tokio::task::spawn_blocking(move || read_until_closed(stream))
        .await
        .expect("reader");
    let head = received.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 401"), "{received}");
    assert!(head.contains("\r\nx-request-id: "), "{received}");
    assert!(
        head.contains("\r\nx-content-type-options: nosniff"),
        "{received}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_request_head_is_refused_with_431() {
    let server = Running::start(HttpLimits::default()).await;
    let mut stream = server.connect();
    let head = format!(
        "GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        "A".repeat(64 * 1024)
    );
    // The server may answer and close before reading all of it.
    let _ = stream.write_all(head.as_bytes());
    let (received, _) = tokio::task::spawn_blocking(move || read_until_closed(stream))
        .await
        .expect("reader");
    assert!(
        received.to_ascii_lowercase().starts_with("http/1.1 431"),
        "{received}"
    );
    server.stop().await;
}
