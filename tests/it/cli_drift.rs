//! `paved drift` end to end: the real binary on repositories generated from the
//! fixture blueprint and on the fixture trees in tests/fixtures/drift/.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

const TODAY: &str = "2026-06-01";

fn drift_fixtures() -> PathBuf {
    fixtures().join("drift")
}

/// `paved --blueprints tests/fixtures/blueprints drift ...` with a fixed date, no colour
/// and the engine-only test profile (tests/fixtures/drift/guardrails/engine.toml), so
/// the guardrail rules' findings on the fixture blueprint do not interfere.
fn drift() -> assert_cmd::Command {
    let mut cmd = paved_fixtures();
    cmd.env("PAVED_TODAY", TODAY)
        .env("PAVED_GUARDRAILS", drift_fixtures().join("guardrails"))
        .env("PAVED_PROFILE", "engine")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .arg("drift");
    cmd
}

fn generate(dir: &Path, name: &str, sets: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = paved_fixtures();
    cmd.args(["new", name, "-b", "full", "--no-input", "-o"])
        .arg(&out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.assert().success();
    out
}

/// A generated service with one changed, one missing and one mode-changed managed file.
fn drifted(dir: &Path) -> PathBuf {
    let repo = generate(dir, "svc", &["use_db=true", "db_name=orders"]);
    crate::common::deviate_full_fixture(&repo);
    repo
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(output)))
}

fn rules_of(repo: &Value) -> Vec<String> {
    repo["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn freshly_generated_repository_has_no_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "svc", &[]);
    let out = drift().arg(&repo).arg("--format=json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v = json(&out);
    assert_eq!(v["repos"][0]["blueprint"], "full");
    assert_eq!(v["repos"][0]["findings"], serde_json::json!([]));
    assert_eq!(v["summary"]["findings"], 0);
    let human = drift().arg(&repo).output().unwrap();
    assert_eq!(human.status.code(), Some(0));
    assert!(stdout_of(&human).contains("no findings"));
}

#[test]
fn conformance_findings_and_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    let out = drift().arg(&repo).arg("-f").arg("json").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let findings = v["repos"][0]["findings"].as_array().unwrap();
    let by_file = |file: &str| findings.iter().find(|f| f["file"] == file).unwrap();
    let changed = by_file("deploy/k8s/deployment.yaml");
    assert_eq!(changed["rule"], "PVD-BLUEPRINT-001");
    assert_eq!(changed["severity"], "high");
    assert_eq!(changed["line"], 9);
    assert!(changed["detail"]
        .as_str()
        .unwrap()
        .contains("+  paused: true"));
    assert!(!changed["remediation"].as_str().unwrap().is_empty());
    assert_eq!(by_file("db/schema.sql")["rule"], "PVD-BLUEPRINT-002");
    let mode = by_file("scripts/run.sh");
    assert_eq!(mode["rule"], "PVD-BLUEPRINT-001");
    assert!(mode["message"].as_str().unwrap().contains("executable"));
    assert_eq!(v["summary"]["by_severity"]["high"], 3);

    // Nothing at or above critical: success.
    drift()
        .arg(&repo)
        .args(["--fail-on", "critical"])
        .assert()
        .code(0);
    drift()
        .arg(&repo)
        .args(["--fail-on", "HIGH"])
        .assert()
        .code(1);
}

#[test]
fn provenance_and_catalog_problems_are_findings() {
    let out = drift()
        .arg(drift_fixtures().join("old-blueprint"))
        .arg("--format=json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(
        rules_of(&v["repos"][0]),
        ["PVD-BLUEPRINT-003", "PVD-BLUEPRINT-004"]
    );
    let msg = v["repos"][0]["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("full 1.0.0") && msg.contains("full 1.2.3 only"),
        "{msg}"
    );
    assert_eq!(v["repos"][0]["findings"][1]["severity"], "info");

    let out = drift()
        .arg(drift_fixtures().join("unknown-blueprint"))
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json(&out);
    let msg = v["repos"][0]["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("cobol-cics 3.1.0") && msg.contains("available: full"),
        "{msg}"
    );

    let out = drift()
        .arg(drift_fixtures().join("broken-provenance"))
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(rules_of(&v["repos"][0]), ["PVD-BLUEPRINT-003"]);
    assert_eq!(v["repos"][0]["blueprint"], Value::Null);
    assert!(v["repos"][0]["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("blueprint.version"));

    let out = drift()
        .arg(drift_fixtures().join("bad-context"))
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(
        rules_of(&v["repos"][0]),
        ["PVD-CONTEXT-001", "PVD-CONTEXT-001"]
    );
    assert_eq!(v["repos"][0]["context"]["data_classification"], "pii");
}

#[test]
fn waivers_active_expired_malformed_unused() {
    let out = drift()
        .arg(drift_fixtures().join("waivers"))
        .arg("--format=json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let v = json(&out);
    let findings = v["repos"][0]["findings"].as_array().unwrap();
    let find = |rule: &str| findings.iter().find(|f| f["rule"] == rule).unwrap();
    let waived = find("PVD-CONTEXT-001");
    assert_eq!(waived["waived"]["owner"], "@acme/sec");
    assert_eq!(waived["waived"]["expires"], "2030-01-01");
    let expired = find("PVD-WAIVER-001");
    assert_eq!(expired["line"], 11);
    assert!(expired["message"]
        .as_str()
        .unwrap()
        .contains("expired on 2025-01-31"));
    let malformed = find("PVD-WAIVER-002");
    assert!(malformed["message"]
        .as_str()
        .unwrap()
        .contains("`reason` is missing"));
    assert_eq!(find("PVD-WAIVER-003")["severity"], "info");
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(v["summary"]["findings"], 3);

    // Before the expiry date the waiver is simply unused.
    let out = drift()
        .env("PAVED_TODAY", "2025-01-01")
        .arg(drift_fixtures().join("waivers"))
        .arg("--format=json")
        .output()
        .unwrap();
    let rules = rules_of(&json(&out)["repos"][0]);
    assert!(!rules.contains(&"PVD-WAIVER-001".to_string()), "{rules:?}");
}

#[test]
fn waived_findings_do_not_fail_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    fs::write(
        repo.join(".paved/waivers.toml"),
        "[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"**\"\nreason = \"tuning\"\nowner = \"@acme/sre\"\nexpires = 2026-12-31\n\
         [[waiver]]\nrule = \"PVD-BLUEPRINT-002\"\npath = \"db/*.sql\"\nreason = \"no db yet\"\nowner = \"@acme/sre\"\nexpires = 2026-12-31\n",
    )
    .unwrap();
    let out = drift().arg(&repo).arg("--format=json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let v = json(&out);
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["summary"]["waived"], 3);
    let human = stdout_of(&drift().arg(&repo).output().unwrap());
    assert!(
        human.contains(
            "waived   PVD-BLUEPRINT-002 db/schema.sql — @acme/sre until 2026-12-31: no db yet"
        ),
        "{human}"
    );
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file.txt");
    fs::write(&file, "x").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["/no/such/repo".into()],
            "/no/such/repo: cannot audit this path",
        ),
        (vec![file.display().to_string()], "not a directory"),
        (
            vec![".".into(), "--fail-on".into(), "severe".into()],
            "possible values: critical, high, medium, low, info",
        ),
        (
            vec![".".into(), "--format".into(), "yaml".into()],
            "invalid value 'yaml'",
        ),
        (
            vec![".".into(), "--profile".into(), "lenient".into()],
            "no guardrails profile named \"lenient\"",
        ),
        (
            vec![
                ".".into(),
                "--output".into(),
                tmp.path().display().to_string(),
            ],
            "is a directory",
        ),
    ];
    for (args, needle) in cases {
        let out = drift().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&out).contains(needle),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
    let out = paved_fixtures()
        .env("PAVED_TODAY", "tomorrow")
        .args(["drift", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("PAVED_TODAY"));
}

#[test]
fn a_profile_without_the_silent_scanner_rule_keeps_the_coverage_gap() {
    // PVD-GHA-012 owns a scanner that cannot fail; a profile that does not run it
    // must not make the pipeline look covered.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    fs::write(
        repo.join(".github/workflows/ci.yml"),
        "on: pull_request\npermissions: {contents: read}\njobs:\n  audit:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: cargo deny check || true\n",
    )
    .unwrap();
    let dir = tmp.path().join("guardrails");
    fs::create_dir(&dir).unwrap();
    let both = "[profile]\nselect = [\"PVD-CI-002\", \"PVD-GHA-012\"]\n";
    fs::write(dir.join("both.toml"), both).unwrap();
    fs::write(
        dir.join("off.toml"),
        format!("{both}[rules]\n\"PVD-GHA-012\" = {{ enabled = false }}\n"),
    )
    .unwrap();
    fs::write(
        dir.join("coverage.toml"),
        "[profile]\nselect = [\"PVD-CI-*\"]\n",
    )
    .unwrap();
    let findings = |profile: &str| {
        let out = drift()
            .arg(&repo)
            .arg("--guardrails")
            .arg(&dir)
            .args(["--profile", profile, "--format=json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        json(&out)["repos"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap().to_owned(), f["line"].as_u64()))
            .collect::<Vec<_>>()
    };
    assert_eq!(findings("both"), [("PVD-GHA-012".to_owned(), Some(7))]);
    assert_eq!(findings("off"), [("PVD-CI-002".to_owned(), Some(7))]);
    assert!(findings("coverage").contains(&("PVD-CI-002".to_owned(), Some(7))));
}

#[test]
fn guardrails_directory_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("guardrails");
    fs::create_dir(&dir).unwrap();
    fs::write(
        dir.join("quiet.toml"),
        "[profile]\ndescription = \"q\"\nselect = [\"PVD-BLUEPRINT-*\"]\n[rules]\n\"PVD-BLUEPRINT-003\" = { enabled = false }\n",
    )
    .unwrap();
    fs::write(
        dir.join("loud.toml"),
        "[profile]\nextends = \"quiet\"\n[rules]\n\"PVD-BLUEPRINT-004\" = { severity = \"high\" }\n",
    )
    .unwrap();
    fs::write(
        dir.join("typo.toml"),
        "[rules]\n\"PVD-BLUEPRNT-004\" = { enabled = false }\n",
    )
    .unwrap();
    let old = drift_fixtures().join("old-blueprint");
    let run = |profile: &str| {
        drift()
            .arg(&old)
            .arg("--guardrails")
            .arg(&dir)
            .args(["--profile", profile, "--format=json"])
            .output()
            .unwrap()
    };
    let quiet = run("quiet");
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(rules_of(&json(&quiet)["repos"][0]), ["PVD-BLUEPRINT-004"]);
    let loud = run("loud");
    assert_eq!(loud.status.code(), Some(1));
    assert_eq!(json(&loud)["repos"][0]["findings"][0]["severity"], "high");
    assert_eq!(json(&loud)["profile"], "loud");
    let typo = run("typo");
    assert_eq!(typo.status.code(), Some(2));
    let err = stderr_of(&typo);
    assert!(
        err.contains("typo.toml") && err.contains("did you mean PVD-BLUEPRINT-004"),
        "{err}"
    );

    // The built-in strict profile makes a newer blueprint a low finding.
    let strict = drift()
        .env_remove("PAVED_GUARDRAILS")
        .arg(&old)
        .args(["--profile", "strict", "--format=json"])
        .output()
        .unwrap();
    let v = json(&strict);
    let newer = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PVD-BLUEPRINT-004")
        .unwrap()
        .clone();
    assert_eq!(newer["severity"], "low");
    assert_eq!(v["profile"], "strict");
}

#[test]
fn audits_never_write_into_repositories() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    fs::write(repo.join(".paved/waivers.toml"), "[[waiver]]\nrule = 3\n").unwrap();
    let before = tree(tmp.path());
    for format in ["human", "json", "sarif", "junit", "markdown"] {
        drift()
            .arg(&repo)
            .args(["--format", format])
            .assert()
            .code(1);
    }
    drift().arg("--recursive").arg(tmp.path()).assert().code(1);
    assert_eq!(before, tree(tmp.path()));
}

#[test]
fn output_file_is_written_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "svc", &[]);
    let report = tmp.path().join("report.sarif");
    fs::write(&report, "old").unwrap();
    let out = drift()
        .arg(&repo)
        .args(["--format", "sarif", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".paved-report-")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn recursive_finds_every_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    fs::create_dir(&org).unwrap();
    generate(&org, "alpha", &[]);
    drifted(&org);
    // A plain git checkout with a nested repository, and one inside node_modules.
    fs::create_dir_all(org.join("plain/.git")).unwrap();
    fs::create_dir_all(org.join("plain/libs/inner/.git")).unwrap();
    fs::write(org.join("plain/libs/inner/README.md"), "inner").unwrap();
    fs::create_dir_all(org.join("plain/node_modules/dep/.git")).unwrap();
    let out = drift()
        .arg("--recursive")
        .arg(&org)
        .arg("--format=json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let paths: Vec<String> = v["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            Path::new(r["path"].as_str().unwrap())
                .strip_prefix(&org)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["alpha", "plain", "plain/libs/inner", "svc"]);
    assert_eq!(v["summary"]["repos"], 4);
    assert_eq!(v["summary"]["findings"], 3);

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = drift().arg("-r").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("no repositories"));
}

#[test]
fn hostile_trees_become_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret.yaml"), "password: hunter2-outside\n").unwrap();
    fs::create_dir_all(repo.join(".git")).unwrap();
    use std::os::unix::fs::symlink;
    symlink(&outside, repo.join("escape-dir")).unwrap();
    symlink(outside.join("secret.yaml"), repo.join("escape.yaml")).unwrap();
    symlink("loop-b", repo.join("loop-a")).unwrap();
    symlink("loop-a", repo.join("loop-b")).unwrap();
    symlink(".", repo.join("self")).unwrap();
    fs::write(repo.join("image.bin"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    fs::write(repo.join("Dockerfile"), [0u8, 1, 2, 3]).unwrap();
    fs::write(repo.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    fs::write(repo.join("huge.yaml"), vec![b'a'; 5 * 1024 * 1024]).unwrap();
    let mut deep = repo.clone();
    for i in 0..120 {
        deep.push(format!("d{i}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("ci.yml"), "on: push\n").unwrap();
    let fifo = repo.join("pipe");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    let out = drift()
        .arg(&repo)
        .arg("--format=json")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(!text.contains("hunter2-outside"));
    let v = json(&out);
    let warnings: Vec<String> = v["repos"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}: {}",
                w["file"].as_str().unwrap(),
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| warnings.iter().any(|w| w.contains(needle));
    assert!(has("escape-dir: symbolic link"), "{warnings:?}");
    assert!(has("escape.yaml: symbolic link"));
    assert!(has("loop-a: symbolic link") && has("loop-b: symbolic link"));
    assert!(has("self: symbolic link"));
    assert!(has("Dockerfile: binary content"));
    assert!(
        !has("image.bin"),
        "binary files of no interest are not warned about"
    );
    assert!(has("latin1.yaml: not valid UTF-8"));
    assert!(has(
        "huge.yaml: 5242880 bytes, larger than the 1 MiB read limit"
    ));
    assert!(!warnings.iter().any(|w| w.contains("pipe")), "{warnings:?}");
    assert!(made_fifo || cfg!(not(unix)));
    // Warnings are summarised on stderr for machine formats.
    assert!(stderr_of(&out).contains("warning: "));
}

#[test]
fn sarif_has_what_code_scanning_requires() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    let out = drift().arg(&repo).arg("--format=sarif").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    validate_sarif(&v);
    let run = &v["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 3);
    let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"].clone();
    assert_eq!(uri["uriBaseId"], "%SRCROOT%");
    assert_eq!(run["automationDetails"]["id"], "paved-drift/engine/");

    // Fingerprints do not move when lines shift above the finding.
    let fp = |v: &Value| -> Vec<String> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["paved/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let first = fp(&v);
    let again = fp(&json(
        &drift().arg(&repo).arg("--format=sarif").output().unwrap(),
    ));
    assert_eq!(first, again);

    // Several repositories, waivers (suppressions) and warnings (notifications).
    fs::write(
        repo.join(".paved/waivers.toml"),
        "[[waiver]]\nrule = \"PVD-BLUEPRINT-002\"\npath = \"db/*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc", repo.join("etc link")).unwrap();
    let out = drift()
        .arg(&repo)
        .arg(drift_fixtures().join("waivers"))
        .arg("--format=sarif")
        .output()
        .unwrap();
    let mut v = json(&out);
    validate_sarif(&v);
    let results = v["runs"][0]["results"].as_array().unwrap().clone();
    assert!(results
        .iter()
        .any(|r| r["suppressions"][0]["kind"] == "external"));
    let notes = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(notes.to_string().contains("etc%20link"), "{notes}");

    // The schema check is live: a wrong level is rejected.
    v["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(std::panic::catch_unwind(|| validate_sarif(&v)).is_err());
}

/// Validates against the OASIS SARIF 2.1.0 JSON schema (vendored in
/// tests/fixtures/drift/sarif-schema-2.1.0.json, as published by the OASIS SARIF TC,
/// with the erratum in `run.language`'s pattern corrected so a strict regex engine
/// compiles it), then checks what GitHub code scanning additionally relies on.
fn validate_sarif(v: &Value) {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(drift_fixtures().join("sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif"));
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(driver["name"].is_string());
        let rules = driver["rules"].as_array().expect("rules");
        for rule in rules {
            assert!(rule["id"].is_string());
            assert!(rule["shortDescription"]["text"].is_string());
            assert!(rule["fullDescription"]["text"].is_string());
            assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
            if let Some(s) = rule["properties"].get("security-severity") {
                let n: f64 = s.as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&n));
            }
        }
        for r in run["results"].as_array().expect("results") {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
            assert!(!r["message"]["text"].as_str().unwrap().is_empty());
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains(' '), "{uri}");
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(r["partialFingerprints"].as_object().unwrap().len() == 1);
        }
    }
}

#[test]
fn junit_and_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    let out = drift().arg(&repo).arg("--format=junit").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout_of(&out);
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<failure ").count(), 3);
    assert_eq!(xml.matches("<testsuite ").count(), 1);
    assert_eq!(
        xml.matches("<testcase ").count(),
        xml.matches("</testcase>").count()
    );

    let md = stdout_of(
        &drift()
            .arg(&repo)
            .arg("--format=markdown")
            .output()
            .unwrap(),
    );
    assert!(md.contains("| 🟧 high | 3 |"));
    assert!(md.contains("<details><summary>diff</summary>"));
}

#[test]
fn human_output_is_plain_when_piped_or_no_color() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = drifted(tmp.path());
    let out = drift().arg(&repo).env("NO_COLOR", "1").output().unwrap();
    let text = stdout_of(&out);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("HIGH     PVD-BLUEPRINT-001 deploy/k8s/deployment.yaml:9"));
    assert!(text.contains("fix: "));
    let forced = drift()
        .arg(&repo)
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(stdout_of(&forced).contains("\u{1b}["));
    let both = drift()
        .arg(&repo)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout_of(&both).contains('\u{1b}'));
}

/// Normalises what differs between machines and versions.
fn normalise(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "[root]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn report_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    drifted(tmp.path());
    for (format, ext) in [("json", "json"), ("sarif", "sarif"), ("markdown", "md")] {
        let out = drift()
            .current_dir(tmp.path())
            .arg("svc")
            .args(["--format", format])
            .output()
            .unwrap();
        insta::assert_snapshot!(
            format!("drift_svc_{ext}"),
            normalise(&stdout_of(&out), tmp.path())
        );
    }
}
