//! Configuration, read once from the environment at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `PORT` | `8080` | TCP port to listen on |
//! | `HOST` | `0.0.0.0` | IP address to listen on |
//!
//! The authentication variables are described in `auth`, the limits in `limits`,
//! CORS in `cors`. Every variable but the authentication ones is optional, with a safe
//! default.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use crate::auth::{AuthConfig, FailureLimiter};
use crate::cors::CorsPolicy;
use crate::limits::HttpLimits;

pub const DEFAULT_PORT: u16 = 8080;

#[derive(Debug)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub auth: AuthConfig,
    pub limits: HttpLimits,
    pub cors: CorsPolicy,
    pub failures: FailureLimiter,
}

/// A variable that is missing or unusable. The message names the variable but
/// never repeats its value, which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            host: parse_host(lookup("HOST"))?,
            port: parse_port(lookup("PORT"))?,
            auth: AuthConfig::from_lookup(lookup)?,
            limits: HttpLimits::from_lookup(lookup)?,
            cors: CorsPolicy::from_lookup(lookup)?,
            failures: FailureLimiter::from_lookup(lookup)?,
        })
    }
}

/// `PORT` alone, for the `healthcheck` subcommand.
pub fn port_from_env() -> Result<u16, ConfigError> {
    parse_port(std::env::var("PORT").ok())
}

fn parse_port(value: Option<String>) -> Result<u16, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(DEFAULT_PORT),
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(ConfigError::new(
                "PORT",
                "must be a port number from 1 to 65535",
            )),
        },
    }
}

fn parse_host(value: Option<String>) -> Result<IpAddr, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        Some(text) => text
            .parse()
            .map_err(|_| ConfigError::new("HOST", "must be an IP address such as 0.0.0.0")),
    }
}

/// A required, non-empty variable.
pub fn required(
    lookup: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<String, ConfigError> {
    match lookup(variable) {
        None => Err(ConfigError::new(variable, "is not set")),
        Some(value) if value.trim().is_empty() => Err(ConfigError::new(variable, "is empty")),
        Some(value) => Ok(value.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_defaults_and_rejects_garbage() {
        assert_eq!(parse_port(None), Ok(8080));
        assert_eq!(parse_port(Some("9000".into())), Ok(9000));
        assert!(parse_port(Some("0".into())).is_err());
        assert!(parse_port(Some("http".into())).is_err());
        assert!(parse_port(Some("70000".into())).is_err());
    }

    #[test]
    fn host_defaults_to_all_interfaces() {
        assert_eq!(parse_host(None), Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        assert!(parse_host(Some("localhost".into())).is_err());
    }

    #[test]
    fn errors_name_the_variable_not_the_value() {
        let err = required(&|_| Some("   ".into()), "SECRET_THING").unwrap_err();
        assert_eq!(err.to_string(), "SECRET_THING is empty");
    }
}
