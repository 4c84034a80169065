//! Committed secrets (`PVD-SECRET-NNN`): private keys, cloud and service tokens,
//! hard-coded passwords, JSON Web Tokens, literal Kubernetes Secret data and
//! connection URIs with a password, found in the text of every file outside `.paved/`
//! and the profile's `secret_allow_paths`. Findings name the file and line and show at
//! most the first four characters of what was found.
//!
//! Decisions worth knowing:
//! - Severities follow docs/drift.md's rubric. A private key, an AWS key and a
//!   provider token with a fixed prefix are live credentials of a whole account,
//!   usable by anyone who reads the repository: **critical**. A hard-coded password,
//!   the literal data of a Kubernetes Secret and a password inside a connection URI
//!   open one workload's data or identity: **high**. A JWT is **low**: nearly every
//!   committed one is an expired test token, and the rule already skips sample and
//!   placeholder claims.
//! - One value repeated in a file (a key pasted into six recorded requests) is one
//!   finding at its first place, and the message says how often it appears.
//! - Public keys of analytics and error-reporting SDKs (Segment write keys, PostHog
//!   `phc_` keys, Mixpanel and Amplitude project tokens, Sentry DSN keys, Google
//!   Analytics measurement ids, Stripe publishable keys) are not credentials: they
//!   ship in every web page that uses them and can only add events. They are known by
//!   their key name, their shape, or an ingestion host or SDK call within twelve lines
//!   (recorded HTTP cassettes: vcrpy, VCR, Polly.JS). A key named like a password or
//!   a secret is never treated as public.
//! - A `*password*` key of a configuration file (YAML, JSON, HCL, properties, ini,
//!   env) is reported for any literal that is not a stand-in, however guessable
//!   (`Summer2024!`), except under test directories and for the documented defaults
//!   of local databases (`postgres`, `guest`); elsewhere a credential must also look
//!   random. ConfigMaps are configuration files too, so a `POSTGRES_PASSWORD` in a
//!   ConfigMap is reported here, at the line of the key.
//! - An AWS secret access key assigned by name (`export AWS_SECRET_ACCESS_KEY=…` in a
//!   script, a Dockerfile `RUN`/`ENV`, a Terraform heredoc, CI YAML) is PVD-SECRET-002
//!   even without its key id nearby; the generic rule leaves it alone so the line is
//!   reported once.
//! - A Kubernetes Secret with literal `data`/`stringData` is one finding per Secret
//!   (PVD-SECRET-006) listing the keys, with `data` base64-decoded so stand-ins and
//!   certificates are told apart from passwords and private keys; the generic rule
//!   skips the lines of Secret objects. SOPS-encrypted Secrets are not reported, and
//!   neither is a Secret whose only real values describe a credential (`username`,
//!   `host`, `port`, `database`): the finding needs something secret in it.
//! - The `apiKey` of a Firebase web config (a Google API key within three lines of
//!   `authDomain`, `messagingSenderId` or a `*.firebaseapp.com` host) is the app's
//!   public browser key and is not reported; a Google key elsewhere still is.
//! - Connection URIs (PVD-SECRET-007) to loopback, `.local`, `.test` and example
//!   hosts, and with a password equal to the user or a stand-in (`user:pass`,
//!   `guest:guest`, `${DB_PASSWORD}`) are documentation and local development, not
//!   findings.
//!
//! What text looks like a credential is `paved_model::secrets`; which files are
//! scanned and how repeats fold is [`scan`], a support module that declares no rule;
//! so is [`assignments`], which finds `key = "value"` assignments for PVD-SECRET-004.

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

mod assignments;
mod scan;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Secrets;

register!("guardrails/rules/secrets");

#[cfg(test)]
mod tests;
