//! Per-client budget of failed authentications.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `AUTH_FAILURES_PER_MINUTE` | `300` | credentials one client may get refused per minute; then its credentialed requests get 429 until the minute is over. `0` turns the limit off |
//! | `TRUSTED_PROXIES` | empty | comma-separated IPs or CIDRs of proxies in front of the service (the ingress controller); only for them is `X-Forwarded-For` believed |
//!
//! A client is its IP address: the TCP peer, or, when the peer is a trusted proxy,
//! the right-most `X-Forwarded-For` address that is not itself a trusted proxy (the
//! one the proxy saw; addresses further left are whatever the client claims).
//! Behind a proxy that is not listed, every caller shares the proxy's address and
//! budget, so one abusive caller can get everyone throttled: list the proxies.
//!
//! Only refused credentials count. A request without credentials is cheap to refuse
//! and always gets 401; a throttled client's credentials are refused with 429 before
//! any verification work. The table of clients is bounded (`MAX_CLIENTS`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::Request;
use ipnet::IpNet;

use crate::config::ConfigError;

pub const DEFAULT_FAILURES_PER_MINUTE: u32 = 300;
const WINDOW: Duration = Duration::from_secs(60);
/// Most clients tracked at once; past that, expired entries are dropped, and if
/// none has expired the new client is not tracked (the budget fails open rather
/// than letting the table grow without bound).
pub const MAX_CLIENTS: usize = 10_000;
const MAX_TRUSTED_PROXIES: usize = 64;

#[derive(Debug)]
pub struct FailureLimiter {
    /// Failures allowed per client per window; 0 disables the limit.
    limit: u32,
    window: Duration,
    trusted_proxies: Vec<IpNet>,
    clients: Mutex<HashMap<IpAddr, Budget>>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    since: Instant,
    failures: u32,
}

impl Default for FailureLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_FAILURES_PER_MINUTE, WINDOW, Vec::new())
    }
}

impl FailureLimiter {
    pub fn new(limit: u32, window: Duration, trusted_proxies: Vec<IpNet>) -> Self {
        Self {
            limit,
            window,
            trusted_proxies,
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let limit = match lookup("AUTH_FAILURES_PER_MINUTE").as_deref().map(str::trim) {
            None | Some("") => DEFAULT_FAILURES_PER_MINUTE,
            Some(text) => text.parse::<u32>().map_err(|_| {
                ConfigError::new(
                    "AUTH_FAILURES_PER_MINUTE",
                    "must be a whole number (0 turns the limit off)",
                )
            })?,
        };
        let mut trusted_proxies = Vec::new();
        if let Some(value) = lookup("TRUSTED_PROXIES").filter(|value| !value.trim().is_empty()) {
            for (index, item) in value.split(',').map(str::trim).enumerate() {
                let net = item
                    .parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        ConfigError::new(
                            "TRUSTED_PROXIES",
                            format!("entry {} is not an IP address or CIDR block", index + 1),
                        )
                    })?;
                if net.prefix_len() == 0 {
                    return Err(ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("entry {} trusts every address", index + 1),
                    ));
                }
                trusted_proxies.push(net);
            }
        }
        if trusted_proxies.len() > MAX_TRUSTED_PROXIES {
            return Err(ConfigError::new(
                "TRUSTED_PROXIES",
                format!("has more than {MAX_TRUSTED_PROXIES} entries"),
            ));
        }
        Ok(Self::new(limit, WINDOW, trusted_proxies))
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client's address (see the module documentation), when the connection
    /// has a peer address.
    pub fn client<B>(&self, request: &Request<B>) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip())?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.is_trusted(ip) => continue,
                Ok(ip) => return Some(ip),
                // Garbage from here leftwards was written by someone we do not trust.
                Err(_) => break,
            }
        }
        Some(peer)
    }

    /// How long `client` must wait, when it has used up its budget.
    pub fn throttled(&self, client: Option<IpAddr>) -> Option<Duration> {
        let client = client?;
        if self.limit == 0 {
            return None;
        }
        let clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let budget = clients.get(&client)?;
        let elapsed = budget.since.elapsed();
        (elapsed < self.window && budget.failures >= self.limit)
            .then(|| self.window.saturating_sub(elapsed))
    }

    /// Counts one refused credential against `client`.
    pub fn record_failure(&self, client: Option<IpAddr>) {
        let Some(client) = client else {
            return;
        };
        if self.limit == 0 {
            return;
        }
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            let window = self.window;
            clients.retain(|_, budget| budget.since.elapsed() < window);
            if clients.len() >= MAX_CLIENTS {
                return;
            }
        }
        let budget = clients.entry(client).or_insert(Budget {
            since: Instant::now(),
            failures: 0,
        });
        if budget.since.elapsed() >= self.window {
            *budget = Budget {
                since: Instant::now(),
                failures: 0,
            };
        }
        budget.failures = budget.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: &[&str]) -> Request<()> {
        let mut request = Request::new(());
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        for value in forwarded {
            request
                .headers_mut()
                .append("x-forwarded-for", value.parse().unwrap());
        }
        request
    }

    fn limiter(trusted: &str) -> FailureLimiter {
        let trusted = trusted.to_owned();
        FailureLimiter::from_lookup(&move |name| {
            (name == "TRUSTED_PROXIES").then(|| trusted.clone())
        })
        .unwrap()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let untrusted = limiter("");
        let req = request("203.0.113.9:4000", &["198.51.100.1"]);
        assert_eq!(untrusted.client(&req), ip("203.0.113.9"));

        let trusted = limiter("10.0.0.0/8, 192.0.2.1");
        let req = request("10.1.2.3:4000", &["198.51.100.1, 203.0.113.7, 10.9.9.9"]);
        assert_eq!(
            trusted.client(&req),
            ip("203.0.113.7"),
            "right-most untrusted hop"
        );
        let req = request("192.0.2.1:4000", &["garbage, 203.0.113.8"]);
        assert_eq!(trusted.client(&req), ip("203.0.113.8"));
        let req = request("10.1.2.3:4000", &[]);
        assert_eq!(trusted.client(&req), ip("10.1.2.3"), "nothing forwarded");
        assert_eq!(trusted.client(&Request::new(())), None, "no peer");
    }

    #[test]
    fn bad_proxy_lists_are_refused() {
        for bad in [
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/33",
            "proxy.local",
            "10.0.0.1,",
        ] {
            let err = FailureLimiter::from_lookup(&move |name| {
                (name == "TRUSTED_PROXIES").then(|| bad.to_owned())
            })
            .unwrap_err();
            assert_eq!(err.variable, "TRUSTED_PROXIES", "{bad}");
        }
        let err = FailureLimiter::from_lookup(&|name| {
            (name == "AUTH_FAILURES_PER_MINUTE").then(|| "lots".to_owned())
        })
        .unwrap_err();
        assert_eq!(err.variable, "AUTH_FAILURES_PER_MINUTE");
    }

    #[test]
    fn failures_over_the_budget_throttle_only_that_client() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60), Vec::new());
        let (bad, good) = (ip("198.51.100.1"), ip("198.51.100.2"));
        for _ in 0..3 {
            assert_eq!(limiter.throttled(bad), None);
            limiter.record_failure(bad);
        }
        assert!(limiter.throttled(bad).is_some());
        assert_eq!(limiter.throttled(good), None);
    }

    #[test]
    fn the_budget_refills_after_the_window() {
        let limiter = FailureLimiter::new(1, Duration::from_millis(50), Vec::new());
        let client = ip("198.51.100.1");
        limiter.record_failure(client);
        assert!(limiter.throttled(client).is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(limiter.throttled(client), None);
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = FailureLimiter::new(0, Duration::from_secs(60), Vec::new());
        let client = ip("198.51.100.1");
        for _ in 0..10 {
            limiter.record_failure(client);
        }
        assert_eq!(limiter.throttled(client), None);
    }
}
