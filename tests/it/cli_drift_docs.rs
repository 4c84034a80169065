//! `paved rules`, `paved explain`, docs/rules.md and the parameter table of
//! guardrails/README.md, both generated from the rule declarations: these tests fail
//! when they are stale; `PAVED_BLESS=1 cargo test --test it docs` rewrites them.

use std::path::Path;

use crate::common::*;
use paved::drift::rules;
use paved::guardrails::docs;

#[test]
fn docs_rules_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let expected = docs::markdown(rules::catalog());
    if std::env::var_os("PAVED_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: regenerate it with `PAVED_BLESS=1 cargo test --test it docs`"
    );
}

/// Prose that states how many rules there are goes stale with every new rule: the
/// count lives in generated text (docs/rules.md, `paved rules`). A historical figure
/// says so ("145 at the time"); "all N rules" must be today's count.
#[test]
fn docs_state_no_stale_rule_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let count = rules::catalog().count();
    let claim = regex::Regex::new(r"(?i)\ball (\d+) (?:rules|guardrails?)\b").unwrap();
    let mut docs = vec![root.join("README.md"), root.join("guardrails/README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        for c in claim.captures_iter(&text) {
            assert_eq!(
                c[1].parse::<usize>().unwrap(),
                count,
                "{}: `{}` but the catalog has {count} rules",
                path.display(),
                &c[0]
            );
        }
    }
    let md = std::fs::read_to_string(root.join("docs/rules.md")).unwrap();
    assert!(md.contains(&format!("checks ({count})")));
}

#[test]
fn docs_guardrails_parameter_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("guardrails/README.md");
    let actual = std::fs::read_to_string(&path).unwrap();
    let table = docs::params_table(rules::catalog());
    let expected = docs::with_params_table(&actual, &table)
        .expect("guardrails/README.md keeps the params:begin / params:end markers");
    if std::env::var_os("PAVED_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        actual == expected,
        "the parameter table in guardrails/README.md is stale: regenerate it with `PAVED_BLESS=1 cargo test --test it docs`"
    );
}

#[test]
fn explain_shows_a_declared_rules_example_and_parameters() {
    let out = paved()
        .args(["explain", "PVD-DOCKER-005"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    for part in [
        "PVD-DOCKER-005: Base image from a registry outside the allowed list",
        "Example\n",
        "FROM gcr.io/distroless/static-debian12:nonroot",
        "allowed_registries = []",
        "Defined in src/guardrails/rules/dockerfile/registry_not_allowed.rs",
    ] {
        assert!(text.contains(part), "{part}\n---\n{text}");
    }
}

#[test]
fn rules_lists_every_rule() {
    let out = paved().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    for rule in rules::catalog() {
        assert!(text.contains(rule.meta.id), "{}", rule.meta.id);
    }
    assert!(text.contains("PVD-BLUEPRINT-004  info"));

    let out = paved()
        .args(["rules", "--format", "json", "--profile", "strict"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), rules::catalog().count());
    let newer = list
        .iter()
        .find(|r| r["id"] == "PVD-BLUEPRINT-004")
        .unwrap();
    assert_eq!(newer["default_severity"], "info");
    assert_eq!(newer["severity"], "low");
    for key in [
        "title",
        "domain",
        "rationale",
        "remediation",
        "references",
        "enabled",
    ] {
        assert!(newer.get(key).is_some(), "{key}");
    }

    let md = stdout_of(
        &paved()
            .args(["rules", "--format", "markdown"])
            .output()
            .unwrap(),
    );
    assert!(md.starts_with("# Rules"));
}

#[test]
fn explain_prints_a_rule_or_suggests_one() {
    let out = paved()
        .args(["explain", "pvd-waiver-001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    assert!(text.starts_with("PVD-WAIVER-001: A waiver has expired"));
    for section in [
        "Severity:  medium",
        "Why it matters",
        "How to fix it",
        "Equivalent checks",
    ] {
        assert!(text.contains(section), "{section}");
    }

    let out = paved().args(["explain", "PVD-WAIVR-001"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("did you mean PVD-WAIVER-001?"),
        "{}",
        stderr_of(&out)
    );
    let out = paved().args(["explain", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("`paved rules` lists every rule"));
}

#[test]
fn graded_rules_show_per_finding_severity_in_explain_and_drift() {
    let out = paved().args(["explain", "PVD-KUBE-015"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    assert!(text.contains("Severity:  high\n"), "{text}");
    assert!(
        text.contains("per finding: Critical for a container-runtime socket"),
        "{text}"
    );

    // One pod, two host paths: one finding, at the socket's severity.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  volumes:\n    - {name: logs, hostPath: {path: /var/log}}\n    - {name: sock, hostPath: {path: /var/run/docker.sock}}\n  containers:\n    - name: a\n      image: x\n      volumeMounts: [{name: logs, mountPath: /l, readOnly: true}]\n",
    )
    .unwrap();
    let host_path = |profile_dir: Option<&Path>| {
        let mut cmd = paved();
        cmd.env_remove("PAVED_GUARDRAILS")
            .env_remove("PAVED_PROFILE");
        if let Some(dir) = profile_dir {
            cmd.env("PAVED_GUARDRAILS", dir)
                .env("PAVED_PROFILE", "pinned");
        }
        let out = cmd
            .arg("drift")
            .arg(tmp.path())
            .arg("--format=json")
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<serde_json::Value> = v["repos"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "PVD-KUBE-015")
            .cloned()
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        (
            found[0]["severity"].as_str().unwrap().to_owned(),
            found[0]["line"].as_u64(),
        )
    };
    assert_eq!(host_path(None), ("critical".to_owned(), Some(7)));
    // A profile that sets the rule's severity still decides.
    let profiles = tempfile::tempdir().unwrap();
    std::fs::write(
        profiles.path().join("pinned.toml"),
        "[profile]\ndescription = \"test\"\n\n[rules]\n\"PVD-KUBE-015\" = { severity = \"low\" }\n",
    )
    .unwrap();
    assert_eq!(host_path(Some(profiles.path())).0, "low");
}
