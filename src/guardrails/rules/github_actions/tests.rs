use super::rules;
use crate::guardrails::{check_all, Params, RepoModel};

const PIN: &str = "0123456789abcdef0123456789abcdef01234567";

/// A hardened workflow: every rule of this module must stay silent on it.
fn golden() -> String {
    format!(
        r#"name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{PIN} # v4
        with:
          persist-credentials: false
      - name: title
        env:
          TITLE: ${{{{ github.event.pull_request.title }}}}
        run: echo "$TITLE"
      - run: cargo deny check
      - uses: ./.github/actions/local
      - uses: docker://alpine@sha256:{PIN}{PIN}
  call:
    permissions:
      contents: read
    uses: org/repo/.github/workflows/x.yml@{PIN}
    secrets:
      token: ${{{{ secrets.TOKEN }}}}
"#
    )
}

fn hits(files: &[(&str, &str)]) -> Vec<(String, Option<u32>)> {
    let model = RepoModel::from_memory(files);
    assert!(
        model.model().parse_warnings().is_empty(),
        "{:?}",
        model.model().parse_warnings()
    );
    check_all(&model, &Params::default(), rules())
        .into_iter()
        .map(|h| (h.rule.to_owned(), h.line))
        .collect()
}

fn wf(text: &str) -> Vec<(String, Option<u32>)> {
    hits(&[(".github/workflows/ci.yml", text)])
}

fn one(id: &str, line: u32) -> Vec<(String, Option<u32>)> {
    vec![(id.to_owned(), Some(line))]
}

#[test]
fn golden_workflow_is_clean() {
    assert!(wf(&golden()).is_empty(), "{:?}", wf(&golden()));
}

#[test]
fn gha001_unpinned_uses() {
    let w = golden().replace(&format!("checkout@{PIN}"), "checkout@v4");
    assert_eq!(wf(&w), one("PVD-GHA-001", 13));
    let w = golden().replace(&format!("alpine@sha256:{PIN}{PIN}"), "alpine:3");
    assert_eq!(wf(&w), one("PVD-GHA-001", 22));
    let w = golden().replace(&format!("x.yml@{PIN}"), "x.yml@main");
    assert_eq!(wf(&w), one("PVD-GHA-001", 26));
    let model = RepoModel::from_memory(&[(
        ".github/workflows/ci.yml",
        &golden().replace(&format!("checkout@{PIN}"), "checkout@v4"),
    )]);
    let p = Params::new(toml::from_str("gha_unpinned_allowed = [\"actions\"]").unwrap());
    assert!(check_all(&model, &p, rules()).is_empty());
}

#[test]
fn gha018_top_level_permissions() {
    // Every job keeps its own block: only the missing default is reported.
    let w = golden().replace("permissions: {}\n", "");
    assert_eq!(wf(&w), one("PVD-GHA-018", 2));
}

#[test]
fn gha002_default_permissions() {
    let w = golden().replace("permissions: {}\n", "").replace(
        "    permissions:\n      contents: read\n    steps:",
        "    steps:",
    );
    assert_eq!(wf(&w), one("PVD-GHA-002", 7));
}

#[test]
fn gha003_broad_permissions() {
    // The reusable-workflow call keeps no block of its own, so it inherits the grant.
    let inherits = golden().replace(
        "  call:\n    permissions:\n      contents: read\n",
        "  call:\n",
    );
    let w = inherits.replace("permissions: {}", "permissions: write-all");
    assert_eq!(wf(&w), one("PVD-GHA-003", 6));
    let w = inherits.replace(
        "permissions: {}",
        "permissions:\n  contents: read\n  packages: write",
    );
    assert_eq!(wf(&w), one("PVD-GHA-003", 8));
}

#[test]
fn gha003_grant_every_job_replaces_reaches_no_job() {
    // ingress-nginx's zz-tmpl-images.yaml: every job sets its own block, which replaces
    // the workflow-level one entirely.
    let w = golden().replace(
        "permissions: {}",
        "permissions:\n  contents: write\n  packages: write",
    );
    let ids: Vec<String> = wf(&w).into_iter().map(|(id, _)| id).collect();
    assert!(!ids.contains(&"PVD-GHA-003".to_owned()), "{ids:?}");
}

#[test]
fn gha003_single_job_takes_the_workflow_grant_as_its_own() {
    // gitleaks' release workflow: one job, the write scope at workflow level.
    let one_job = format!(
        "name: release\non:\n  release:\n    types: [published]\npermissions:\n  contents: write\njobs:\n  goreleaser:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{PIN}\n        with:\n          persist-credentials: false\n"
    );
    let ids: Vec<String> = wf(&one_job).into_iter().map(|(id, _)| id).collect();
    assert!(!ids.contains(&"PVD-GHA-003".to_owned()), "{ids:?}");
    // A second job would receive the grant too.
    let two_jobs = format!(
        "{one_job}  notify:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n"
    );
    assert!(wf(&two_jobs).contains(&("PVD-GHA-003".to_owned(), Some(6))));
}

#[test]
fn gha004_005_dangerous_triggers() {
    let w = golden().replace("  pull_request:\n", "  pull_request_target:\n");
    assert_eq!(wf(&w), one("PVD-GHA-004", 3));
    let w = w.replace(
            "          persist-credentials: false\n",
            "          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n",
        );
    let mut got = wf(&w);
    got.sort();
    assert_eq!(
        got,
        [
            ("PVD-GHA-004".into(), Some(3)),
            ("PVD-GHA-005".into(), Some(16))
        ]
    );
}

#[test]
fn gha006_template_injection() {
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: echo \"${{ github.event.pull_request.title }}\"",
    );
    assert_eq!(wf(&w), one("PVD-GHA-006", 19));
    let script = format!("      - uses: actions/github-script@{PIN}\n        with:\n          script: |\n            console.log(\"${{{{ github.event.comment.body }}}}\")\n  call:");
    let w = golden().replacen("  call:", &script, 1);
    assert_eq!(wf(&w), one("PVD-GHA-006", 26));
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: |\n          echo ok\n          echo \"${{ github.head_ref }}\"",
    );
    assert_eq!(wf(&w), one("PVD-GHA-006", 21));
}

#[test]
fn gha007_input_injection() {
    let w = golden().replace(
        "run: cargo deny check",
        "run: cargo deny check ${{ inputs.args }}",
    );
    assert_eq!(wf(&w), one("PVD-GHA-007", 20));
}

#[test]
fn gha008_persist_credentials() {
    let w = golden().replace("        with:\n          persist-credentials: false\n", "");
    assert_eq!(wf(&w), one("PVD-GHA-008", 13));
}

#[test]
fn gha009_secrets_inherit() {
    let w = golden().replace(
        "    secrets:\n      token: ${{ secrets.TOKEN }}",
        "    secrets: inherit",
    );
    assert_eq!(wf(&w), one("PVD-GHA-009", 27));
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: echo \"$TITLE\"\n        env:\n          ALL: ${{ toJSON(secrets) }}",
    );
    assert_eq!(wf(&w), one("PVD-GHA-009", 21));
}

#[test]
fn gha010_unsecure_commands() {
    let w = golden().replace(
        "permissions: {}",
        "permissions: {}\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true",
    );
    assert_eq!(wf(&w), one("PVD-GHA-010", 8));
}

#[test]
fn gha011_self_hosted() {
    let w = golden().replace("runs-on: ubuntu-latest", "runs-on: [self-hosted, linux]");
    assert_eq!(wf(&w), one("PVD-GHA-011", 9));
}

#[test]
fn gha012_silent_scanner() {
    let w = golden().replace("run: cargo deny check", "run: cargo deny check || true");
    assert_eq!(wf(&w), one("PVD-GHA-012", 20));
    let w = golden().replace(
        "run: cargo deny check",
        "continue-on-error: true\n        run: cargo deny check",
    );
    assert_eq!(wf(&w), one("PVD-GHA-012", 20));
    let w = golden().replace(
            "      - run: cargo deny check\n",
            &format!("      - uses: aquasecurity/trivy-action@{PIN}\n        with: {{scan-type: image, image-ref: app}}\n"),
        );
    assert_eq!(wf(&w), one("PVD-GHA-012", 20));
}

/// portainer's nightly scan runs trivy as a `docker://` container step.
#[test]
fn gha012_container_step_scanner() {
    let step = |extra: &str, args: &str| {
        golden().replace(
            "      - run: cargo deny check\n",
            &format!("      - uses: docker://aquasec/trivy:0.50.1@sha256:{PIN}{PIN}\n{extra}        with:\n          args: {args}\n"),
        )
    };
    let silenced = step(
        "        continue-on-error: true\n",
        "image --exit-code=1 app",
    );
    assert_eq!(wf(&silenced), one("PVD-GHA-012", 21));
    // Without `--exit-code 1` trivy exits 0 on findings.
    assert_eq!(wf(&step("", "image app")), one("PVD-GHA-012", 20));
    assert_eq!(wf(&step("", "image --exit-code 1 app")), vec![]);
    // An entrypoint names the program the image runs.
    let w = golden().replace(
        "      - run: cargo deny check\n",
        &format!("      - uses: docker://ghcr.io/acme/tools@sha256:{PIN}{PIN}\n        continue-on-error: true\n        with:\n          entrypoint: /usr/bin/gitleaks\n          args: git --redact .\n"),
    );
    assert_eq!(wf(&w), one("PVD-GHA-012", 21));
}

#[test]
fn gha012_sarif_uploaded_to_code_scanning_is_not_silent() {
    // vaultwarden's trivy.yml: trivy exits 0 and its SARIF goes to the Security tab.
    let trivy = format!(
        "      - uses: aquasecurity/trivy-action@{PIN}\n        with: {{scan-type: image, image-ref: app, format: sarif, output: t.sarif}}\n"
    );
    let upload = format!(
        "      - uses: github/codeql-action/upload-sarif@{PIN}\n        with: {{sarif_file: t.sarif}}\n"
    );
    let w = golden().replace(
        "      - run: cargo deny check\n",
        &format!("{trivy}{upload}"),
    );
    assert_eq!(wf(&w), vec![]);
    // An upload before the scan, or in another job, does not carry its results.
    let w = golden().replace(
        "      - run: cargo deny check\n",
        &format!("{upload}{trivy}"),
    );
    assert_eq!(wf(&w), one("PVD-GHA-012", 22));
}

#[test]
fn gha013_github_env() {
    let w = golden()
        .replace("  pull_request:\n", "  workflow_run:\n")
        .replace(
            "run: echo \"$TITLE\"",
            "run: echo \"T=$TITLE\" >> \"$GITHUB_ENV\"",
        );
    let mut got = wf(&w);
    got.sort();
    assert_eq!(
        got,
        [
            ("PVD-GHA-004".into(), Some(3)),
            ("PVD-GHA-013".into(), Some(19))
        ]
    );
}

#[test]
fn gha014_container_credentials() {
    let w = golden().replace(
            "    runs-on: ubuntu-latest\n",
            "    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/o/i@sha256:abc\n      credentials:\n        username: u\n        password: hunter2\n",
        );
    assert_eq!(wf(&w), one("PVD-GHA-014", 14));
    let w = golden().replace(
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n",
    );
    assert_eq!(wf(&w), one("PVD-GHA-017", 12));
}

#[test]
fn gha015_dependabot_cooldown() {
    let good = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n    cooldown:\n      default-days: 7\n";
    assert!(hits(&[(".github/dependabot.yml", good)]).is_empty());
    let bad = good.replace("    cooldown:\n      default-days: 7\n", "");
    assert_eq!(
        hits(&[(".github/dependabot.yml", &bad)]),
        one("PVD-GHA-015", 3)
    );
}

#[test]
fn gha016_release_cache() {
    let w = format!("on:\n  release:\n    types: [published]\npermissions: {{}}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    permissions: {{contents: read}}\n    steps:\n      - uses: actions/cache@{PIN}\n");
    assert_eq!(wf(&w), one("PVD-GHA-016", 10));
}

#[test]
fn docker_action_image_is_checked() {
    let a = "runs:\n  using: docker\n  image: docker://alpine:3\n";
    assert_eq!(hits(&[("action.yml", a)]), one("PVD-GHA-001", 3));
    let a = "runs:\n  using: docker\n  image: Dockerfile\n";
    assert!(hits(&[("action.yml", a)]).is_empty());
}

#[test]
fn composite_action_is_checked() {
    let a = "runs:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - run: echo ${{ inputs.x }}\n      shell: bash\n";
    let mut got = hits(&[("action.yml", a)]);
    got.sort();
    assert_eq!(
        got,
        [
            ("PVD-GHA-001".into(), Some(4)),
            ("PVD-GHA-007".into(), Some(5))
        ]
    );
}

#[test]
fn reusable_workflow_is_judged_by_its_caller() {
    // `on: workflow_call` only: the caller's `permissions:` applies, so neither
    // PVD-GHA-002 nor PVD-GHA-018 speaks about the callee.
    let callee = "on: workflow_call\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";
    assert!(hits(&[(".github/workflows/lib.yml", callee)]).is_empty());
    let with_perms = callee.replace(
        "    runs-on",
        "    permissions: {contents: read}\n    runs-on",
    );
    assert!(hits(&[(".github/workflows/lib.yml", &with_perms)]).is_empty());
    // Also started another way: its own permissions count again.
    let both = callee.replace("on: workflow_call", "on: [workflow_call, push]");
    assert_eq!(
        hits(&[(".github/workflows/lib.yml", &both)]),
        one("PVD-GHA-002", 3)
    );
}
