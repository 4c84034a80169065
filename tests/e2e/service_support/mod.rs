//! Support for `rust_axum_service.rs`: generate a service with the real
//! `paved`, drive its own cargo, run the binary and talk HTTP to it on 127.0.0.1.
//! Test keys are made at run time with the `openssl` command line tool.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub fn paved_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Shared by every run so rebuilds are incremental: `PAVED_SERVICE_TARGET_DIR`, or
/// `target/generated-services` of this repository.
pub fn service_target_dir() -> PathBuf {
    match std::env::var_os("PAVED_SERVICE_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => paved_root().join("target").join("generated-services"),
    }
}

/// `paved new NAME --blueprint rust-axum --no-input --output DIR [extra...]`.
pub fn generate(name: &str, output: &Path, extra: &[&str]) {
    generate_from("rust-axum", name, output, extra);
}

/// `paved new NAME --blueprint BLUEPRINT --no-input --output DIR [extra...]`.
pub fn generate_from(blueprint: &str, name: &str, output: &Path, extra: &[&str]) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("paved"))
        .env_remove("PAVED_BLUEPRINTS")
        .env_remove("PAVED_GUARDRAILS")
        .args([
            "new",
            name,
            "--blueprint",
            blueprint,
            "--no-input",
            "--output",
        ])
        .arg(output)
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("run paved");
    assert!(
        out.status.success(),
        "paved new failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cargo ARGS` in `dir` with the shared target directory; panics with the
/// output when it fails. Returns the output and how long it took.
pub fn cargo(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let out = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", service_target_dir())
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .stdin(Stdio::null())
        .output()
        .expect("run cargo");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "`cargo {}` failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, took)
}

/// Sum of "N passed" over the `test result:` lines of `cargo test`.
pub fn passed_tests(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("free port")
}

/// A running service; killed when dropped. Its stdout (the JSON logs) goes to a file.
pub struct Service {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Service {
    /// Starts `binary` on 127.0.0.1 with only `env` (plus HOST and PORT) and waits up
    /// to 30 s for `/healthz` to answer 200.
    pub fn start(binary: &Path, env: &[(&str, String)], log: PathBuf) -> Service {
        Service::start_with_args(binary, &[], env, log)
    }

    /// Like `start`, with command line arguments (`python -m app`).
    pub fn start_with_args(
        binary: &Path,
        args: &[&str],
        env: &[(&str, String)],
        log: PathBuf,
    ) -> Service {
        let port = free_port();
        let mut command = Command::new(binary);
        command
            .args(args)
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "info");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("log file"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the service");
        let mut service = Service { child, port, log };
        // Generous: on a loaded two-core CI machine an interpreter (python, node) can take
        // several seconds to import its web stack.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if http_get(port, "/healthz", None).is_ok_and(|reply| reply.status == 200) {
                break;
            }
            if let Some(status) = service.child.try_wait().expect("wait") {
                let mut stderr = String::new();
                if let Some(mut pipe) = service.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!("service exited early ({status}): {stderr}");
            }
            assert!(Instant::now() < deadline, "service not healthy within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        service
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `binary` with only `env` and returns its output (for start-up failures);
/// killed after 30 s if it does not exit by itself.
pub fn run_to_exit(binary: &Path, env: &[(&str, String)]) -> Output {
    run_to_exit_with_args(binary, &[], env)
}

/// Like `run_to_exit`, with command line arguments.
pub fn run_to_exit_with_args(binary: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env_clear()
        .env("HOST", "127.0.0.1")
        .env("PORT", free_port().to_string());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the service");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// `GET path` over a plain HTTP/1.0 connection to 127.0.0.1:port.
pub fn http_get(port: u16, path: &str, authorization: Option<&str>) -> std::io::Result<Reply> {
    http_request(port, "GET", path, authorization)
}

/// `METHOD path` (no body) over a plain HTTP/1.0 connection to 127.0.0.1:port.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> std::io::Result<Reply> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n");
    if method != "GET" {
        request.push_str("Content-Length: 0\r\n");
    }
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.take(1024 * 1024).read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad reply: {head}")))?;
    Ok(Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// Sends `head` (request line and headers, possibly incomplete) and reads until the
/// server closes the connection or `limit` passes. Returns what was received and
/// how long the server took to close, `None` if it never did.
pub fn send_raw(port: u16, head: &[u8], limit: Duration) -> (String, Option<Duration>) {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).expect("connect");
    stream.write_all(head).expect("send");
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        let left = limit
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).expect("timeout");
        match stream.read(&mut buffer) {
            Ok(0) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    Some(started.elapsed()),
                )
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // A reset is the server closing too.
            Err(_) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    Some(started.elapsed()),
                )
            }
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), None)
}

/// A JWKS document served on 127.0.0.1 from a background thread, which stops when
/// this is dropped (or after 10 minutes at most).
pub struct JwksServer {
    pub url: String,
    pub fetches: Arc<AtomicUsize>,
    /// While false the server answers 503 (an identity provider that is down).
    pub available: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl JwksServer {
    pub fn start(document: String) -> JwksServer {
        JwksServer::start_with(0, document, true)
    }

    /// A server that answers 503 until `available` is set.
    pub fn start_unavailable(document: String) -> JwksServer {
        JwksServer::start_with(0, document, false)
    }

    /// Serves on a given port, e.g. one a service was told about before anything
    /// listened there.
    pub fn start_on(port: u16, document: String) -> JwksServer {
        JwksServer::start_with(port, document, true)
    }

    fn start_with(port: u16, document: String, available: bool) -> JwksServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
        let stop = Arc::new(AtomicBool::new(false));
        let fetches = Arc::new(AtomicUsize::new(0));
        let available = Arc::new(AtomicBool::new(available));
        let (thread_stop, thread_fetches, thread_available) =
            (stop.clone(), fetches.clone(), available.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(600);
            while !thread_stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        thread_fetches.fetch_add(1, Ordering::SeqCst);
                        let up = thread_available.load(Ordering::SeqCst);
                        serve_one(stream, &document, up);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        JwksServer {
            url,
            fetches,
            available,
            stop,
            thread: Some(thread),
        }
    }
}

fn serve_one(mut stream: TcpStream, body: &str, available: bool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let (status, body) = if available {
        ("200 OK", body)
    } else {
        ("503 Service Unavailable", "")
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An RSA key made with `openssl`, held as a PEM file in a temporary directory.
pub struct RsaKey {
    pub pem: PathBuf,
}

fn openssl(args: &[&str], input: Option<&Path>) -> Vec<u8> {
    let mut command = Command::new("openssl");
    command.args(args);
    if let Some(input) = input {
        command.stdin(std::fs::File::open(input).expect("input"));
    } else {
        command.stdin(Stdio::null());
    }
    let out = command
        .output()
        .expect("the openssl command line tool is needed to make test keys");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl RsaKey {
    pub fn generate(dir: &Path, file: &str) -> RsaKey {
        let pem = dir.join(file);
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                pem.to_str().expect("utf-8 path"),
            ],
            None,
        );
        RsaKey { pem }
    }

    /// The public key as a JWK with `kid`.
    pub fn jwk(&self, kid: &str) -> serde_json::Value {
        let out = openssl(
            &[
                "rsa",
                "-in",
                self.pem.to_str().expect("utf-8"),
                "-noout",
                "-modulus",
            ],
            None,
        );
        let text = String::from_utf8(out).expect("ascii");
        let hex = text.trim().strip_prefix("Modulus=").expect("modulus");
        let modulus: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(modulus),
            // Every key `openssl genpkey` makes uses the exponent 65537.
            "e": URL_SAFE_NO_PAD.encode([1u8, 0, 1]),
        })
    }

    /// An RS256 JWT with `kid` and `claims`.
    pub fn sign_jwt(&self, kid: &str, claims: &serde_json::Value) -> String {
        self.sign_jwt_typed(kid, "JWT", claims)
    }

    /// An RS256 JWT whose header says `typ`.
    pub fn sign_jwt_typed(&self, kid: &str, typ: &str, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({ "alg": "RS256", "typ": typ, "kid": kid });
        self.sign_jwt_with_header(&header, claims)
    }

    /// The public key in PEM (SubjectPublicKeyInfo), as an attacker would find it.
    pub fn public_pem(&self) -> Vec<u8> {
        openssl(
            &["pkey", "-in", self.pem.to_str().expect("utf-8"), "-pubout"],
            None,
        )
    }

    /// A JWT with exactly `header` (whatever its `alg` says), signed RS256.
    pub fn sign_jwt_with_header(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let dir = self.pem.parent().expect("key dir");
        let input_file = dir.join(format!("input-{}", unique()));
        std::fs::write(&input_file, &input).expect("write input");
        let signature = openssl(
            &[
                "dgst",
                "-sha256",
                "-sign",
                self.pem.to_str().expect("utf-8"),
            ],
            Some(&input_file),
        );
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn unique() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}
