//! A generated rust-axum (and typescript-fastify, python-fastapi) service states its
//! security properties in THREAT_MODEL.md (the governance layer's, with the language's
//! rows from its hooks),
//! each claim naming the control that makes it true (file, CI job and step, Kubernetes
//! object and field, Terraform block and attribute). These tests render the service for
//! many answer combinations with the real `paved` binary and check every named
//! control exists in the rendered tree with the stated value, so the document and the
//! controls cannot drift apart. They also check the pins that must agree across files
//! (the Rust toolchain in rust-toolchain.toml, the Dockerfile and GitLab CI).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use paved::parse::hcl;
use yaml_rust2::{Yaml, YamlLoader};

use crate::common;

/// Answer sets: the defaults, every non-default choice, and the combinations where
/// files appear or disappear (registry, IaC, CI, IRSA).
const ANSWER_SETS: &[&[&str]] = &[
    &[],
    &["exposure=internet", "data_classification=pii"],
    &["auth=api-key"],
    &["ci=gitlab"],
    &["iac=kubernetes"],
    &["iac=terraform"],
    &["iac="],
    &["needs_aws=true"],
    &["idp_egress_cidrs=203.0.113.0/24,2001:db8:1::/48"],
    &[
        "registry=ecr",
        "image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/demo-svc",
        "needs_aws=true",
        "exposure=internet",
    ],
    &[
        "ci=gitlab",
        "registry=ecr",
        "aws_region=us-east-2",
        "image=123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-svc",
        "auth=api-key",
    ],
    &["ci=gitlab", "registry=ghcr", "iac=kubernetes"],
    &[
        "registry=gitlab",
        "image=registry.gitlab.com/acme/demo-svc",
        "iac=terraform",
    ],
];

fn generate(dir: &Path, sets: &[&str]) -> PathBuf {
    generate_from("rust-axum", dir, sets)
}

fn generate_from(blueprint: &str, dir: &Path, sets: &[&str]) -> PathBuf {
    let out = dir.join("demo-svc");
    let mut cmd = common::paved();
    cmd.args(["new", "demo-svc", "--blueprint", blueprint, "--no-input"])
        .arg("--output")
        .arg(&out);
    for set in sets {
        cmd.args(["--set", set]);
    }
    let output = cmd.output().expect("run paved");
    assert!(
        output.status.success(),
        "paved new {sets:?} failed:\n{}",
        common::stderr_of(&output)
    );
    out
}

// ---- the claims table --------------------------------------------------------------

#[derive(Debug)]
struct Claim {
    id: String,
    control: String,
}

/// Rows of the "Claims and the controls that make them true" table.
fn claims(threat_model: &str) -> Vec<Claim> {
    let section = threat_model
        .split("## Claims and the controls that make them true")
        .nth(1)
        .expect("THREAT_MODEL.md has no claims section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(
                cells.len(),
                3,
                "claims row is not `id | claim | control`: {l}"
            );
            Claim {
                id: cells[0].to_string(),
                control: cells[2].to_string(),
            }
        })
        .collect()
}

/// Claim ids cited by the abuse-case table ("what stops it" column).
fn cited_ids(threat_model: &str) -> Vec<String> {
    let section = threat_model
        .split("## Abuse cases")
        .nth(1)
        .expect("THREAT_MODEL.md has no abuse cases")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let id = regex::Regex::new(r"\b[A-Z0-9]+-[0-9]+\b").unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| # ") && !l.starts_with("|---"))
        .flat_map(|l| {
            let last = l.trim_end_matches('|').rsplit(" | ").next().unwrap_or("");
            id.find_iter(last)
                .map(|m| m.as_str().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One control reference, as written in the control column (`;`-separated).
#[derive(Debug, PartialEq)]
enum Control {
    File(String),
    Line(String, String),
    Step {
        file: String,
        job: String,
        step: Option<String>,
    },
    Object {
        file: String,
        kind_name: String,
        field: Option<(String, String)>,
    },
    Block {
        file: String,
        header: String,
        attribute: Option<(String, String)>,
    },
}

fn parse_control(text: &str) -> Result<Control, String> {
    // Tokens: `quoted` values, and bare words between them.
    let mut tokens = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`') {
            let end = after
                .find('`')
                .ok_or_else(|| format!("unclosed backtick in {text:?}"))?;
            tokens.push((true, after[..end].to_string()));
            rest = after[end + 1..].trim_start();
        } else {
            let end = rest.find([' ', '`']).unwrap_or(rest.len());
            tokens.push((false, rest[..end].to_string()));
            rest = rest[end..].trim_start();
        }
    }
    let word = |i: usize| tokens.get(i).filter(|t| !t.0).map(|t| t.1.as_str());
    let quoted = |i: usize| tokens.get(i).filter(|t| t.0).map(|t| t.1.clone());
    let file = quoted(0).ok_or_else(|| format!("control {text:?} does not start with a `file`"))?;
    let pair = |i: usize| -> Result<Option<(String, String)>, String> {
        match (quoted(i), word(i + 1), quoted(i + 2)) {
            (None, _, _) if tokens.len() == i => Ok(None),
            (Some(k), Some("="), Some(v)) if tokens.len() == i + 3 => Ok(Some((k, v))),
            _ => Err(format!(
                "control {text:?}: expected `key` = `value` at the end"
            )),
        }
    };
    match (tokens.len(), word(1)) {
        (1, _) => Ok(Control::File(file)),
        (_, Some("line")) if tokens.len() == 3 => Ok(Control::Line(
            file,
            quoted(2).ok_or_else(|| format!("control {text:?}: line needs `text`"))?,
        )),
        (_, Some("job")) => {
            let job = quoted(2).ok_or_else(|| format!("control {text:?}: job needs `name`"))?;
            let step = match (word(3), quoted(4), tokens.len()) {
                (None, None, 3) => None,
                (Some("step"), Some(step), 5) => Some(step),
                _ => return Err(format!("control {text:?}: expected job `J` [step `S`]")),
            };
            Ok(Control::Step { file, job, step })
        }
        (_, Some("block")) => Ok(Control::Block {
            file,
            header: quoted(2).ok_or_else(|| format!("control {text:?}: block needs `header`"))?,
            attribute: pair(3)?,
        }),
        (_, None) if quoted(1).is_some_and(|k| k.contains('/')) => Ok(Control::Object {
            file,
            kind_name: quoted(1).unwrap_or_default(),
            field: pair(2)?,
        }),
        _ => Err(format!(
            "control {text:?} is not a form this test understands"
        )),
    }
}

// ---- checking a control against the rendered tree ---------------------------------

fn read(root: &Path, file: &str) -> Result<String, String> {
    fs::read_to_string(root.join(file)).map_err(|e| format!("{file}: {e}"))
}

fn yaml_docs(root: &Path, file: &str) -> Result<Vec<Yaml>, String> {
    YamlLoader::load_from_str(&read(root, file)?).map_err(|e| format!("{file}: {e}"))
}

fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Follows `a.b[0].c` where keys may themselves contain dots (label names such as
/// `pod-security.kubernetes.io/enforce`): the longest key that matches wins.
fn lookup<'a>(mut node: &'a Yaml, path: &str) -> Option<&'a Yaml> {
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let index: usize = after[..end].parse().ok()?;
            node = node.as_vec()?.get(index)?;
            rest = after[end + 1..]
                .strip_prefix('.')
                .unwrap_or(&after[end + 1..]);
            continue;
        }
        let map = node.as_hash()?;
        let (key_len, child) = map
            .iter()
            .filter_map(|(k, v)| {
                let k = k.as_str()?;
                let tail = rest.strip_prefix(k)?;
                (tail.is_empty() || tail.starts_with('.') || tail.starts_with('['))
                    .then_some((k.len(), v))
            })
            .max_by_key(|(len, _)| *len)?;
        node = child;
        rest = &rest[key_len..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Some(node)
}

fn check_step(root: &Path, file: &str, job: &str, step: Option<&str>) -> Result<(), String> {
    let docs = yaml_docs(root, file)?;
    let doc = docs.first().ok_or_else(|| format!("{file} is empty"))?;
    let github = file.starts_with(".github/");
    let job_node = if github { &doc["jobs"][job] } else { &doc[job] };
    if job_node.is_badvalue() {
        return Err(format!("{file}: no job {job:?}"));
    }
    let ignored = |n: &Yaml| {
        matches!(n["continue-on-error"], Yaml::Boolean(true))
            || matches!(n["allow_failure"], Yaml::Boolean(true))
            || matches!(n["if"], Yaml::Boolean(false))
    };
    if ignored(job_node) {
        return Err(format!("{file}: job {job:?} may fail or never runs"));
    }
    let Some(step) = step else { return Ok(()) };
    if github {
        let steps = job_node["steps"].as_vec().cloned().unwrap_or_default();
        let found = steps
            .iter()
            .find(|s| s["name"].as_str() == Some(step))
            .ok_or_else(|| format!("{file}: job {job:?} has no step named {step:?}"))?;
        if ignored(found) {
            return Err(format!("{file}: step {step:?} may fail or never runs"));
        }
        if found["run"].is_badvalue() && found["uses"].is_badvalue() {
            return Err(format!(
                "{file}: step {step:?} neither runs nor uses anything"
            ));
        }
        Ok(())
    } else {
        let script = job_node["script"].as_vec().cloned().unwrap_or_default();
        // GitLab refuses a pipeline whose script holds anything but strings (an
        // unquoted `key: value` inside a command turns it into a mapping).
        if let Some(bad) = script.iter().find(|l| l.as_str().is_none()) {
            return Err(format!(
                "{file}: job {job:?} has a script entry that is not a string: {bad:?}"
            ));
        }
        script
            .iter()
            .filter_map(Yaml::as_str)
            .any(|line| line.contains(step))
            .then_some(())
            .ok_or_else(|| format!("{file}: job {job:?} has no script line with {step:?}"))
    }
}

fn check_object(
    root: &Path,
    file: &str,
    kind_name: &str,
    field: Option<&(String, String)>,
) -> Result<(), String> {
    let (kind, name) = kind_name.split_once('/').unwrap_or_default();
    let docs = yaml_docs(root, file)?;
    let doc = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
        .ok_or_else(|| format!("{file}: no {kind_name}"))?;
    if let Some((path, want)) = field {
        let got = lookup(doc, path)
            .and_then(scalar)
            .ok_or_else(|| format!("{file}: {kind_name} has no {path}"))?;
        if &got != want {
            return Err(format!(
                "{file}: {kind_name} {path} is {got:?}, the claim says {want:?}"
            ));
        }
    }
    Ok(())
}

/// `resource "aws_kms_key" "service"` or `terraform backend "s3"`: each bare word
/// opens a (nested) block, each quoted word is one of its labels.
fn check_block(
    root: &Path,
    file: &str,
    header: &str,
    attribute: Option<&(String, String)>,
) -> Result<(), String> {
    let text = read(root, file)?;
    let parsed = hcl::parse(PathBuf::from(file), &text).map_err(|e| format!("{file}: {e}"))?;
    let mut levels: Vec<(String, Vec<String>)> = Vec::new();
    for word in header.split_whitespace() {
        match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(label) => levels
                .last_mut()
                .ok_or_else(|| format!("block header {header:?} starts with a label"))?
                .1
                .push(label.to_string()),
            None => levels.push((word.to_string(), Vec::new())),
        }
    }
    let mut blocks: &[hcl::Block] = &parsed.blocks;
    let mut found: Option<&hcl::Block> = None;
    for (kind, labels) in &levels {
        let block = blocks
            .iter()
            .find(|b| &b.kind == kind && &b.labels == labels)
            .ok_or_else(|| format!("{file}: no block {header}"))?;
        blocks = &block.body.blocks;
        found = Some(block);
    }
    let block = found.ok_or_else(|| format!("empty block header in {file}"))?;
    if let Some((key, want)) = attribute {
        let value = block
            .value(key)
            .ok_or_else(|| format!("{file}: {header} has no attribute {key}"))?;
        let got = match value {
            hcl::Value::Bool(b) => b.to_string(),
            hcl::Value::Number(n) if n.fract() == 0.0 => format!("{}", *n as i64),
            hcl::Value::Number(n) => n.to_string(),
            hcl::Value::String(s) => format!("{s:?}"),
            hcl::Value::Reference(r) => r.clone(),
            other => {
                return Err(format!(
                    "{file}: {header} {key} is not a literal: {other:?}"
                ))
            }
        };
        if &got != want {
            return Err(format!(
                "{file}: {header} {key} is {got}, the claim says {want}"
            ));
        }
    }
    Ok(())
}

fn check_control(root: &Path, control: &Control) -> Result<(), String> {
    match control {
        Control::File(file) => read(root, file).map(|_| ()),
        Control::Line(file, line) => read(root, file)?
            .lines()
            .any(|l| l.trim() == line)
            .then_some(())
            .ok_or_else(|| format!("{file}: no line {line:?}")),
        Control::Step { file, job, step } => check_step(root, file, job, step.as_deref()),
        Control::Object {
            file,
            kind_name,
            field,
        } => check_object(root, file, kind_name, field.as_ref()),
        Control::Block {
            file,
            header,
            attribute,
        } => check_block(root, file, header, attribute.as_ref()),
    }
}

/// Every problem with the claims of one rendered tree.
fn claim_problems(root: &Path) -> Vec<String> {
    let threat_model = fs::read_to_string(root.join("THREAT_MODEL.md")).unwrap();
    let claims = claims(&threat_model);
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    for claim in &claims {
        if !ids.insert(claim.id.clone()) {
            problems.push(format!("{} is listed twice", claim.id));
        }
        let mut controls = 0;
        for part in claim.control.split("; ") {
            match parse_control(part).and_then(|c| check_control(root, &c)) {
                Ok(()) => controls += 1,
                Err(e) => problems.push(format!("{}: {e}", claim.id)),
            }
        }
        if controls == 0 {
            problems.push(format!("{} names no control", claim.id));
        }
    }
    for cited in cited_ids(&threat_model) {
        if !ids.contains(&cited) {
            problems.push(format!("an abuse case cites {cited}, which is not a claim"));
        }
    }
    problems
}

#[test]
fn every_claim_names_a_control_that_exists_for_every_answer_set() {
    assert_claims_hold("rust-axum", ANSWER_SETS);
}

/// typescript-fastify carries the same claims table (its own AUTH, IMG and CI controls,
/// plus SVC-1 limits and SVC-2 audit events); the same answer sets, where they apply.
#[test]
fn typescript_fastify_claims_name_controls_that_exist_for_every_answer_set() {
    assert_claims_hold("typescript-fastify", ANSWER_SETS);
}

/// python-fastapi too: the shared rows come from the governance layer, its own AUTH,
/// SVC, IMG, CI-2, SAST-1 and REPO rows from its partials/threat-*.hbs.
#[test]
fn python_fastapi_claims_name_controls_that_exist_for_every_answer_set() {
    assert_claims_hold("python-fastapi", ANSWER_SETS);
}

fn assert_claims_hold(blueprint: &str, answer_sets: &[&[&str]]) {
    let mut failures = Vec::new();
    for sets in answer_sets {
        let tmp = tempfile::tempdir().unwrap();
        let root = generate_from(blueprint, tmp.path(), sets);
        let threat_model = fs::read_to_string(root.join("THREAT_MODEL.md")).unwrap();
        let n = claims(&threat_model).len();
        if n < 15 {
            failures.push(format!("{blueprint} {sets:?}: only {n} claims"));
        }
        for p in claim_problems(&root) {
            failures.push(format!("{blueprint} {sets:?}: {p}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_weakened_control_breaks_its_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let root = generate(tmp.path(), &[]);
    assert_eq!(claim_problems(&root), Vec::<String>::new());

    let weaken = |file: &str, from: &str, to: &str| {
        let path = root.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // Each edit must be reported by the claim it falsifies.
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            ".github/workflows/ci.yml",
            "- name: Sign the image (cosign, keyless)",
            "- name: Sign later",
            "SC-2",
        ),
        (
            ".github/workflows/ci.yml",
            "- name: Fail on high and critical SAST results\n",
            "- name: Fail on high and critical SAST results\n        continue-on-error: true\n",
            "CI-1",
        ),
        (
            "deploy/k8s/deployment.yaml",
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
            "K8S-2",
        ),
        (
            "deploy/k8s/networkpolicy.yaml",
            "cidr: 192.0.2.0/24",
            "cidr: 0.0.0.0/0",
            "K8S-6",
        ),
        (
            "deploy/terraform/backend.tf",
            "encrypt      = true",
            "encrypt      = false",
            "TF-2",
        ),
        ("Dockerfile", "USER 65532:65532", "USER root", "IMG-2"),
    ];
    for (file, from, to, id) in cases {
        let backup = fs::read_to_string(root.join(file)).unwrap();
        weaken(file, from, to);
        let problems = claim_problems(&root);
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("{id}:"))),
            "{file}: {from:?} -> {to:?} was not reported under {id}: {problems:?}"
        );
        fs::write(root.join(file), backup).unwrap();
    }
}

#[test]
fn control_references_parse_or_fail_loudly() {
    assert_eq!(
        parse_control("`Dockerfile` line `USER 65532:65532`"),
        Ok(Control::Line(
            "Dockerfile".into(),
            "USER 65532:65532".into()
        ))
    );
    assert_eq!(
        parse_control("`ci.yml` job `publish` step `Push by digest`"),
        Ok(Control::Step {
            file: "ci.yml".into(),
            job: "publish".into(),
            step: Some("Push by digest".into())
        })
    );
    assert_eq!(
        parse_control("`d.yaml` `Deployment/x` `spec.replicas` = `2`"),
        Ok(Control::Object {
            file: "d.yaml".into(),
            kind_name: "Deployment/x".into(),
            field: Some(("spec.replicas".into(), "2".into()))
        })
    );
    for bad in [
        "the middleware",
        "`f` step `x`",
        "`f` job `j` step",
        "`f` `Deployment/x` `spec` `2`",
        "`f` block `resource \"a\" \"b\"` `k` =",
        "`unclosed",
    ] {
        assert!(parse_control(bad).is_err(), "{bad:?} parsed");
    }
}

// ---- pins that must agree across files ---------------------------------------------

fn toolchain_channel(root: &Path) -> String {
    let text = fs::read_to_string(root.join("rust-toolchain.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["toolchain"]["channel"].as_str().unwrap().to_string()
}

#[test]
fn the_rust_toolchain_is_the_same_everywhere() {
    let image = regex::Regex::new(r"rust:([0-9.]+)-slim-bookworm@sha256:([0-9a-f]{64})").unwrap();
    let mut digests = BTreeSet::new();
    for sets in [&[][..], &["ci=gitlab"][..]] {
        let tmp = tempfile::tempdir().unwrap();
        let root = generate(tmp.path(), sets);
        let channel = toolchain_channel(&root);
        assert_eq!(channel, "1.95.0", "{sets:?}: rust-toolchain.toml");

        let dockerfile = fs::read_to_string(root.join("Dockerfile")).unwrap();
        let from: Vec<_> = dockerfile
            .lines()
            .filter(|l| l.starts_with("FROM rust:"))
            .collect();
        assert_eq!(from.len(), 1, "{sets:?}: one rust builder stage");
        let caps = image
            .captures(from[0])
            .unwrap_or_else(|| panic!("{sets:?}: builder not pinned by digest: {}", from[0]));
        assert_eq!(
            &caps[1], channel,
            "{sets:?}: Dockerfile builder vs rust-toolchain.toml"
        );
        digests.insert(caps[2].to_string());

        if let Ok(gitlab) = fs::read_to_string(root.join(".gitlab-ci.yml")) {
            let rust_images: Vec<_> = image.captures_iter(&gitlab).collect();
            assert!(
                !rust_images.is_empty(),
                "GitLab CI builds with the rust image"
            );
            for caps in rust_images {
                assert_eq!(
                    &caps[1], channel,
                    "GitLab CI rust image vs rust-toolchain.toml"
                );
                digests.insert(caps[2].to_string());
            }
            assert!(!gitlab.contains("rust:1.") || !gitlab.contains("rustup default"));
        }
        if let Ok(github) = fs::read_to_string(root.join(".github/workflows/ci.yml")) {
            // GitHub CI installs exactly what rust-toolchain.toml names, never its own.
            assert!(github.contains("run: rustup toolchain install --no-self-update\n"));
            for pinned_elsewhere in [
                "toolchain install stable",
                "rustup default",
                "dtolnay/rust-toolchain",
            ] {
                assert!(
                    !github.contains(pinned_elsewhere),
                    "ci.yml: {pinned_elsewhere}"
                );
            }
        }
    }
    assert_eq!(
        digests.len(),
        1,
        "one rust image digest everywhere: {digests:?}"
    );
}

#[test]
fn the_registry_answer_drives_terraform_and_the_manifests() {
    // ghcr: Terraform creates no image repository; the manifests deploy from ghcr.
    let tmp = tempfile::tempdir().unwrap();
    let root = generate(tmp.path(), &[]);
    let main_tf = fs::read_to_string(root.join("deploy/terraform/main.tf")).unwrap();
    assert!(!main_tf.contains("aws_ecr_repository"));
    let kustomization = fs::read_to_string(root.join("deploy/k8s/kustomization.yaml")).unwrap();
    assert!(kustomization.contains("- name: ghcr.io/acme/demo-svc\n"));

    // ecr: the repository, the CI push role and the image variable come from the same answer.
    let tmp = tempfile::tempdir().unwrap();
    let image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/demo-svc";
    let root = generate(tmp.path(), &["registry=ecr", &format!("image={image}")]);
    for control in [
        "`deploy/terraform/main.tf` block `resource \"aws_ecr_repository\" \"service\"` `name` = `local.repository_name`",
        "`deploy/terraform/main.tf` block `resource \"aws_iam_role\" \"ci_push\"`",
        &format!("`deploy/terraform/variables.tf` block `variable \"image\"` `default` = `\"{image}\"`"),
        &format!("`deploy/k8s/deployment.yaml` `Deployment/demo-svc` `spec.template.spec.containers[0].image` = `{image}@sha256:{}`", "0".repeat(64)),
        "`.github/workflows/ci.yml` job `publish` step `Log in to ECR`",
    ] {
        let parsed = parse_control(control).unwrap();
        check_control(&root, &parsed).unwrap_or_else(|e| panic!("{control}: {e}"));
    }
    let ci = fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    assert!(ci.contains(&format!("IMAGE_REPO: {image}\n")));
    assert!(
        !ci.contains("packages: write"),
        "no ghcr permission for ECR"
    );
}

#[test]
fn wide_or_internal_egress_answers_are_refused_before_anything_is_written() {
    for bad in [
        "0.0.0.0/0",
        "0.0.0.0/1,128.0.0.0/1",
        "::/0",
        "::ffff:0.0.0.0/97",
        "10.0.0.0/8",
        "100.64.0.0/24",
        "169.254.169.254/32",
        "64:ff9b::/96",
        "203.0.113.7/24",
        "",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("demo-svc");
        let output = common::paved()
            .args(["new", "demo-svc", "--blueprint", "rust-axum", "--no-input"])
            .arg("--output")
            .arg(&out)
            .args(["--set", &format!("idp_egress_cidrs={bad}")])
            .output()
            .unwrap();
        let stderr = common::stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{bad:?} accepted: {stderr}");
        assert!(stderr.contains("idp_egress_cidrs"), "{bad:?}: {stderr}");
        assert!(!out.exists(), "{bad:?}: something was written");
    }
}
