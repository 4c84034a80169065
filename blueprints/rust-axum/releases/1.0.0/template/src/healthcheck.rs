//! `SERVICE healthcheck`: the container's HEALTHCHECK. The runtime image has no shell
//! and no curl, so the binary probes itself with a minimal HTTP/1.0 request.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);
const MAX_RESPONSE_HEAD: u64 = 1024;

/// `GET http://127.0.0.1:{port}/healthz`; `Ok` when the status is 200.
pub fn probe(port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|err| format!("cannot connect to {address}: {err}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|err| err.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|err| format!("cannot send the request: {err}"))?;
    let mut head = Vec::new();
    stream
        .take(MAX_RESPONSE_HEAD)
        .read_to_end(&mut head)
        .map_err(|err| format!("cannot read the response: {err}"))?;
    let status_line = head.split(|&byte| byte == b'\n').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        _ => Err(format!("unhealthy: {}", status_line.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn closed_port_is_unhealthy() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(probe(port).is_err());
    }

    #[test]
    fn reads_the_status_code() {
        for (reply, healthy) in [
            (&b"HTTP/1.0 200 OK\r\n\r\nok"[..], true),
            (&b"HTTP/1.1 503 Service Unavailable\r\n\r\n"[..], false),
            (&b"garbage"[..], false),
        ] {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = std::thread::spawn(move || {
                let (mut conn, _) = listener.accept().unwrap();
                let mut request = [0u8; 256];
                let _ = conn.read(&mut request);
                conn.write_all(reply).unwrap();
            });
            assert_eq!(probe(port).is_ok(), healthy);
            server.join().unwrap();
        }
    }
}
