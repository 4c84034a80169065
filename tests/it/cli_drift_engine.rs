//! `paved drift` engine behaviour on small hand-written repositories: YAML that the
//! consuming tools accept, blind spots, other tools' inline suppressions and grouped
//! reports. Runs the real binary with the default profile.

use std::fs;
use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// Writes `files` (path, text) below `root`.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn drift() -> assert_cmd::Command {
    let mut cmd = paved();
    cmd.env("PAVED_TODAY", "2026-06-01")
        .env_remove("PAVED_PROFILE")
        .env_remove("PAVED_GUARDRAILS")
        .env("NO_COLOR", "1")
        .arg("drift");
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}

/// (rule, file, line) of every finding of the first repository.
fn findings(v: &Value) -> Vec<(String, String, Option<u64>)> {
    v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

const DEDENTED_WORKFLOW: &str = "\
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        dir: [
          'a',
          'b'
      ]
    steps:
      - uses: actions/checkout@v4
";

/// A flow sequence closed left of its key is valid for GitHub; the workflow is audited
/// (its unpinned action is found on its own line) instead of being a parse blind spot.
#[test]
fn dedented_flow_sequence_workflow_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(".github/workflows/ci.yml", DEDENTED_WORKFLOW)],
    );
    let out = drift()
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    let found = findings(&v);
    assert!(
        found.contains(&(
            "PVD-GHA-001".into(),
            ".github/workflows/ci.yml".into(),
            Some(13)
        )),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(r, _, _)| r == "PVD-AUDIT-001"),
        "{found:?}"
    );
}

const RENDERED: &str = "\
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app:1.0
          securityContext:
            privileged: true
";

/// A Helm chart is reported as not audited, with the command that audits it; its
/// rendered output audited with `--manifests -` shows what the templates deploy.
#[test]
fn helm_chart_is_a_visible_blind_spot_and_manifests_audit_the_render() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "charts/app/Chart.yaml",
                "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            ),
            (
                "charts/app/templates/deployment.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
            ),
        ],
    );
    let out = drift()
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    let audit: Vec<&Value> = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PVD-AUDIT-002")
        .collect();
    assert_eq!(audit.len(), 1, "{v:#}");
    assert_eq!(audit[0]["file"], "charts/app/Chart.yaml");
    let message = audit[0]["message"].as_str().unwrap();
    assert!(
        message.contains("helm template charts/app | paved drift --manifests -"),
        "{message}"
    );

    // The rendered chart on standard input: Kubernetes rules only, lines of the stream.
    let out = drift()
        .args(["--manifests", "-", "--format=json"])
        .write_stdin(RENDERED)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["repos"][0]["path"], "(stdin)");
    let found = findings(&v);
    assert!(
        found.contains(&("PVD-KUBE-001".into(), "(stdin)".into(), Some(14))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|(r, _, _)| r.starts_with("PVD-KUBE-") || r.starts_with("PVD-SECRET")),
        "repository rules do not apply to rendered manifests: {found:?}"
    );

    // The same from a directory, as `helm template --output-dir` writes it.
    let rendered = tmp.path().join("rendered");
    write_tree(&rendered, &[("app/templates/deployment.yaml", RENDERED)]);
    let out = drift()
        .arg("--manifests")
        .arg(&rendered)
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    assert!(
        findings(&v).contains(&(
            "PVD-KUBE-001".into(),
            "app/templates/deployment.yaml".into(),
            Some(14)
        )),
        "{v:#}"
    );
}

#[test]
fn manifests_bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("empty/readme.txt", "x"),
            ("chart/templates/d.yaml", "a: [\n"),
        ],
    );
    let cases: Vec<(Vec<String>, Option<&str>, &str)> = vec![
        (
            vec!["--manifests".into(), "-".into()],
            Some("a: [1,\n"),
            "not YAML",
        ),
        (
            vec!["--manifests".into(), "-".into()],
            Some("a: 1\n"),
            "no Kubernetes object",
        ),
        (
            vec!["--manifests".into(), "-".into()],
            Some(""),
            "no Kubernetes object",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("missing").display().to_string(),
            ],
            None,
            "cannot read this path",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("empty").display().to_string(),
            ],
            None,
            "no .yaml or .yml file",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("chart").display().to_string(),
            ],
            None,
            "not templates",
        ),
        (
            vec!["--manifests".into(), "-".into(), "--recursive".into()],
            Some(RENDERED),
            "cannot be used with",
        ),
    ];
    for (args, stdin, needle) in cases {
        let mut cmd = drift();
        cmd.args(&args);
        if let Some(text) = stdin {
            cmd.write_stdin(text);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains(needle),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// One finding of each tool's inline suppression, as the tool itself places it.
const SUPPRESSED: &[(&str, &str)] = &[
    (
        "Dockerfile",
        "FROM debian:12\n# hadolint ignore=DL3002 reason: the image's entrypoint drops to uid 10001\nUSER root\n",
    ),
    (
        ".github/workflows/ci.yml",
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4 # zizmor: ignore[unpinned-uses] -- internal mirror\n",
    ),
    (
        "deploy/terraform/main.tf",
        "resource \"aws_s3_bucket_acl\" \"data\" {\n  bucket = \"b\"\n  # checkov:skip=CKV_AWS_20:Public website content\n  acl = \"public-read\"\n}\n",
    ),
    (
        "deploy/app.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  annotations:\n    checkov.io/skip1: CKV_K8S_16=node agent needs the host\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n      securityContext:\n        privileged: true\n",
    ),
];

/// (rule, file, line, waived source) of the findings of interest.
fn suppressed(v: &Value) -> Vec<(String, String, u64, Option<String>)> {
    v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            [
                "PVD-DOCKER-001",
                "PVD-GHA-001",
                "PVD-TF-006",
                "PVD-KUBE-001",
                "PVD-WAIVER-004",
            ]
            .contains(&f["rule"].as_str().unwrap())
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["waived"]["source"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn other_tools_inline_suppressions_are_waivers_unless_the_profile_forbids_them() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    write_tree(&repo, SUPPRESSED);
    let out = drift().arg(&repo).arg("--format=json").output().unwrap();
    let v = json_of(&out);
    let mut got = suppressed(&v);
    got.sort();
    let want =
        |r: &str, f: &str, l: u64, s: &str| (r.to_string(), f.to_string(), l, Some(s.to_string()));
    assert_eq!(
        got,
        [
            want(
                "PVD-DOCKER-001",
                "Dockerfile",
                3,
                "inline hadolint ignore=DL3002 in Dockerfile:2"
            ),
            want(
                "PVD-GHA-001",
                ".github/workflows/ci.yml",
                7,
                "inline zizmor: ignore[unpinned-uses] in .github/workflows/ci.yml:7"
            ),
            want(
                "PVD-KUBE-001",
                "deploy/app.yaml",
                12,
                "inline checkov.io/skip: CKV_K8S_16 in deploy/app.yaml:6"
            ),
            want(
                "PVD-TF-006",
                "deploy/terraform/main.tf",
                4,
                "inline checkov:skip=CKV_AWS_20 in deploy/terraform/main.tf:3"
            ),
        ]
    );
    let tf = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PVD-TF-006")
        .unwrap();
    assert_eq!(tf["waived"]["reason"], "Public website content");
    assert_eq!(tf["waived"]["owner"], Value::Null);

    // Every format says where the waiver came from.
    let human = drift().arg(&repo).output().unwrap();
    assert!(
        stdout_of(&human).contains("waived   PVD-TF-006 deploy/terraform/main.tf:4 — inline checkov:skip=CKV_AWS_20 in deploy/terraform/main.tf:3: Public website content"),
        "{}",
        stdout_of(&human)
    );
    let md = drift()
        .arg(&repo)
        .arg("--format=markdown")
        .output()
        .unwrap();
    assert!(
        stdout_of(&md)
            .contains("waived inline checkov:skip=CKV\\_AWS\\_20 in deploy/terraform/main.tf:3"),
        "{}",
        stdout_of(&md)
    );
    let junit = drift().arg(&repo).arg("--format=junit").output().unwrap();
    assert!(
        stdout_of(&junit)
            .contains("<skipped message=\"waived inline zizmor: ignore[unpinned-uses]"),
        "{}",
        stdout_of(&junit)
    );
    let sarif = drift().arg(&repo).arg("--format=sarif").output().unwrap();
    let s = json_of(&sarif);
    let kinds: Vec<&str> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert!(
        kinds.len() >= 4 && kinds.iter().all(|k| *k == "inSource"),
        "{kinds:?}"
    );

    // A profile that forbids them: each suppression is a finding and waives nothing.
    let guardrails = tmp.path().join("guardrails");
    fs::create_dir_all(&guardrails).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("guardrails/baseline.toml"),
        guardrails.join("baseline.toml"),
    )
    .unwrap();
    fs::write(
        guardrails.join("locked.toml"),
        "[profile]\nextends = \"baseline\"\n\n[waivers]\ninline = \"forbid\"\n",
    )
    .unwrap();
    let out = drift()
        .arg(&repo)
        .args(["--format=json", "--profile=locked", "--guardrails"])
        .arg(&guardrails)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let got = suppressed(&json_of(&out));
    assert!(
        got.iter().all(|(_, _, _, waived)| waived.is_none()),
        "{got:?}"
    );
    let forbidden: Vec<(&str, u64)> = got
        .iter()
        .filter(|g| g.0 == "PVD-WAIVER-004")
        .map(|g| (g.1.as_str(), g.2))
        .collect();
    assert_eq!(forbidden.len(), 4, "{got:?}");
    assert!(
        forbidden.contains(&("deploy/terraform/main.tf", 3)),
        "{forbidden:?}"
    );

    // A bad value is a configuration error.
    fs::write(
        guardrails.join("bad.toml"),
        "[waivers]\ninline = \"sometimes\"\n",
    )
    .unwrap();
    let out = drift()
        .arg(&repo)
        .args(["--profile=bad", "--guardrails"])
        .arg(&guardrails)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("waivers.inline must be"),
        "{}",
        stderr_of(&out)
    );
}

/// `--forbid-inline-waivers` (or PAVED_FORBID_INLINE_WAIVERS) forbids inline
/// suppressions under any profile, the built-in strict one included, which honours them
/// by default: each is a PVD-WAIVER-004 finding naming the switch, and waives nothing.
#[test]
fn the_forbid_inline_waivers_switch_forbids_them_under_any_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    write_tree(&repo, SUPPRESSED);
    let waived = |out: &std::process::Output| {
        suppressed(&json_of(out))
            .iter()
            .filter(|s| s.3.is_some())
            .count()
    };
    let strict = drift()
        .arg(&repo)
        .args(["--format=json", "--profile=strict"])
        .output()
        .unwrap();
    assert_eq!(waived(&strict), 4, "{}", stdout_of(&strict));

    let forbid = drift()
        .arg(&repo)
        .args([
            "--format=json",
            "--profile=strict",
            "--forbid-inline-waivers",
        ])
        .output()
        .unwrap();
    assert_eq!(forbid.status.code(), Some(1), "{}", stderr_of(&forbid));
    let v = json_of(&forbid);
    assert_eq!(v["profile"], "strict");
    assert_eq!(waived(&forbid), 0);
    let messages: Vec<String> = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PVD-WAIVER-004")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(
        messages[0].contains("is forbidden by `--forbid-inline-waivers` and waives nothing"),
        "{messages:?}"
    );

    // The environment variable does the same; a false value leaves the profile's say.
    let env = drift()
        .arg(&repo)
        .args(["--format=json", "--profile=strict"])
        .env("PAVED_FORBID_INLINE_WAIVERS", "true")
        .output()
        .unwrap();
    assert_eq!(waived(&env), 0);
    let off = drift()
        .arg(&repo)
        .args(["--format=json", "--profile=strict"])
        .env("PAVED_FORBID_INLINE_WAIVERS", "false")
        .output()
        .unwrap();
    assert_eq!(waived(&off), 4);
    let bad = drift()
        .arg(&repo)
        .env("PAVED_FORBID_INLINE_WAIVERS", "sometimes")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr_of(&bad));
}

/// A container with no securityContext, resources or probes: the human and Markdown
/// reports show one block per location with each fix once; JSON keeps every finding.
#[test]
fn findings_at_one_location_are_grouped_in_human_and_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(
            "app.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: example/app@sha256:0123456789012345678901234567890123456789012345678901234567890123\n",
        )],
    );
    // The rules' own messages belong to their domains (and their snapshots); here only
    // the shape is pinned: the sample report's grouped output is snapshotted in
    // src/report/snapshots.
    let human = stdout_of(&drift().arg("--manifests").arg(tmp.path()).output().unwrap());
    let block: Vec<&str> = human
        .lines()
        .skip_while(|l| !l.contains("app.yaml:10 — "))
        .take_while(|l| !l.starts_with("  ") || l.starts_with("   ") || l.contains("app.yaml:10"))
        .collect();
    assert!(block.len() > 3, "{human}");
    let rules: Vec<&str> = block[1..]
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|w| w.starts_with("PVD-"))
        .collect();
    let fixes = block
        .iter()
        .filter(|l| l.trim_start().starts_with("fix ("))
        .count();
    assert!(
        block[0].contains(&format!("— {} findings", rules.len())),
        "{human}"
    );
    assert!(fixes >= 1 && fixes <= rules.len(), "{human}");
    assert_eq!(
        human.matches("app.yaml:10").count(),
        1,
        "one header per location: {human}"
    );
    let md = stdout_of(
        &drift()
            .arg("--manifests")
            .arg(tmp.path())
            .arg("--format=markdown")
            .output()
            .unwrap(),
    );
    assert!(
        md.contains(&format!("- `app.yaml:10`: {} findings", rules.len())),
        "{md}"
    );
    assert_eq!(md.matches("app.yaml:10").count(), 1, "{md}");
    let out = drift()
        .arg("--manifests")
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let at_line_10 = findings(&json_of(&out))
        .into_iter()
        .filter(|(_, f, l)| f == "app.yaml" && *l == Some(10))
        .count();
    assert_eq!(at_line_10, rules.len(), "JSON keeps each finding");
}

/// When no CI file parses, the coverage rules have nothing to judge: one quiet
/// PVD-AUDIT-001 finding per unreadable file, the first saying that coverage was not
/// judged, instead of a "not judged" finding from every PVD-CI-* rule.
#[test]
fn unreadable_ci_is_one_quiet_finding_not_one_per_coverage_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = "on: pull_request\njobs:\n  test: [unclosed\n";
    write_tree(
        tmp.path(),
        &[
            (".github/workflows/ci.yml", broken),
            (".github/workflows/release.yml", broken),
            ("Dockerfile", "FROM alpine:3.20\nUSER 65532:65532\n"),
            (
                "main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            ),
        ],
    );
    let out = drift()
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    let all = v["repos"][0]["findings"].as_array().unwrap();
    let ci: Vec<&Value> = all
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("PVD-CI-"))
        .collect();
    assert!(ci.is_empty(), "{ci:#?}");
    let unparsed: Vec<&Value> = all
        .iter()
        .filter(|f| f["rule"] == "PVD-AUDIT-001")
        .collect();
    assert_eq!(unparsed.len(), 2, "{unparsed:#?}");
    assert_eq!(unparsed[0]["severity"], "low");
    let details: Vec<&str> = unparsed
        .iter()
        .filter_map(|f| f["detail"].as_str())
        .collect();
    assert_eq!(details.len(), 1, "{unparsed:#?}");
    assert!(
        details[0].starts_with("CI coverage was not judged"),
        "{details:?}"
    );

    // One readable workflow beside the broken one: coverage is judged on it, and the
    // rules name the file they could not read.
    fs::write(
        tmp.path().join(".github/workflows/release.yml"),
        "on: push\npermissions: {}\njobs:\n  r:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make\n",
    )
    .unwrap();
    let v = json_of(
        &drift()
            .arg(tmp.path())
            .arg("--format=json")
            .output()
            .unwrap(),
    );
    let all = v["repos"][0]["findings"].as_array().unwrap();
    assert!(all.iter().any(|f| f["rule"] == "PVD-CI-001"
        && f["message"]
            .as_str()
            .unwrap()
            .contains("`.github/workflows/ci.yml` could not be parsed")));
    assert!(all
        .iter()
        .filter(|f| f["rule"] == "PVD-AUDIT-001")
        .all(|f| f["detail"].is_null()));
}

/// Runs `paved drift --manifests -` on `input`, writing it from a thread that ignores
/// a closed pipe (paved stops reading at its limit).
fn drift_stdin(input: Vec<u8>, args: &[&str]) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_paved"))
        .env("PAVED_TODAY", "2026-06-01")
        .env_remove("PAVED_PROFILE")
        .env_remove("PAVED_GUARDRAILS")
        .env("NO_COLOR", "1")
        .args(["drift", "--manifests", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

const PRIVILEGED_POD: &str = "\
---
apiVersion: v1
kind: Pod
metadata:
  name: NAME
  namespace: apps
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext:
        privileged: true
";

/// A stream larger than the parser's 1 MiB per file is cut at `---` and every part is
/// audited; findings keep the stream's own line numbers under `(stdin)`.
#[test]
fn manifests_on_stdin_beyond_one_mib_are_all_audited_with_stream_lines() {
    let filler = format!("  note: \"{}\"\n", "x".repeat(1000));
    let mut stream = PRIVILEGED_POD.replace("NAME", "first");
    for i in 0..1500 {
        stream.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: apps\ndata:\n{filler}"
        ));
    }
    let before_last = stream.lines().count();
    stream.push_str(&PRIVILEGED_POD.replace("NAME", "last"));
    assert!(stream.len() > 1_400_000, "{}", stream.len());
    // `privileged: true` is line 12 of each pod document.
    let expected = [12, before_last + 12];

    let out = drift_stdin(stream.into_bytes(), &["--format=json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let v = json_of(&out);
    let privileged: Vec<(String, Option<u64>)> = findings(&v)
        .into_iter()
        .filter(|f| f.0 == "PVD-KUBE-001")
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(
        privileged,
        expected
            .iter()
            .map(|l| ("(stdin)".to_string(), Some(*l as u64)))
            .collect::<Vec<_>>()
    );
    assert!(
        findings(&v).iter().all(|f| !f.1.contains("from line")),
        "a part name leaked: {:?}",
        findings(&v)
    );
}

#[test]
fn manifests_on_stdin_over_the_limits_are_clear_errors() {
    // More than 64 MiB in all.
    let line = format!("# {}\n", "x".repeat(1021));
    let huge = line.repeat(64 * 1024 + 1).into_bytes();
    let out = drift_stdin(huge, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("more than 64 MiB on standard input") && err.contains("--manifests DIR"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // One document larger than the parser's bound.
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: \"{}\"\n",
        "x".repeat(1100 * 1024)
    );
    let out = drift_stdin(big.into_bytes(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("the YAML document at line 5 of standard input is larger than 1 MiB"),
        "{err}"
    );
}

/// `--output /dev/null` writes to the device; the atomic rename used for regular
/// files would have replaced the device node with a regular file (as root).
#[cfg(unix)]
#[test]
fn output_to_a_device_is_written_in_place_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("README.md"), "x\n").unwrap();
    let before = std::fs::metadata("/dev/null").unwrap();
    assert!(before.file_type().is_char_device());
    assert_cmd::Command::cargo_bin("paved")
        .unwrap()
        .args(["drift", "--format", "json", "--output", "/dev/null"])
        .arg(repo.path())
        .assert()
        .code(predicates::ord::lt(2));
    let after = std::fs::metadata("/dev/null").unwrap();
    assert!(
        after.file_type().is_char_device(),
        "/dev/null is no longer a device"
    );
}
