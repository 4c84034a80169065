use super::rules;
use crate::guardrails::rules::finding_lines;
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

/// `file:line: [ID] message` of every finding of this domain's rules.
fn hits(files: &[(&str, &str)]) -> String {
    let model = RepoModel::from_memory(files);
    assert!(
        model.model().parse_warnings().is_empty(),
        "{:?}",
        model.model().parse_warnings()
    );
    finding_lines(&check_all(&model, &Params::default(), rules()))
}

fn wf(text: &str) -> String {
    hits(&[(".github/workflows/ci.yml", text)])
}

#[test]
fn golden_workflow_is_clean() {
    assert!(wf(&golden()).is_empty(), "{:?}", wf(&golden()));
}

#[test]
fn gha001_unpinned_uses() {
    let w = golden().replace(&format!("checkout@{PIN}"), "checkout@v4");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:13: [PVD-GHA-001] `actions/checkout@v4` is pinned to `v4`, a movable ref, not a full commit SHA");
    let w = golden().replace(&format!("alpine@sha256:{PIN}{PIN}"), "alpine:3");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:22: [PVD-GHA-001] `docker://alpine:3` is a container image not pinned by digest");
    let w = golden().replace(&format!("x.yml@{PIN}"), "x.yml@main");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:26: [PVD-GHA-001] `org/repo/.github/workflows/x.yml@main` is pinned to `main`, a movable ref, not a full commit SHA");
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
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:2: [PVD-GHA-018] no workflow-level `permissions:`: every job sets its own today, but a job added later gets the default GITHUB_TOKEN permissions");
}

#[test]
fn gha002_default_permissions() {
    let w = golden().replace("permissions: {}\n", "").replace(
        "    permissions:\n      contents: read\n    steps:",
        "    steps:",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:7: [PVD-GHA-002] job `test` runs with the default GITHUB_TOKEN permissions: no `permissions:` at workflow or job level");
}

#[test]
fn gha003_broad_permissions() {
    // The reusable-workflow call keeps no block of its own, so it inherits the grant.
    let inherits = golden().replace(
        "  call:\n    permissions:\n      contents: read\n",
        "  call:\n",
    );
    let w = inherits.replace("permissions: {}", "permissions: write-all");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:6: [PVD-GHA-003] workflow-level `permissions: write-all` gives every job every write scope");
    let w = inherits.replace(
        "permissions: {}",
        "permissions:\n  contents: read\n  packages: write",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:8: [PVD-GHA-003] workflow-level `packages: write` applies to every job; grant it only to the job that needs it");
}

#[test]
fn gha003_grant_every_job_replaces_reaches_no_job() {
    // ingress-nginx's zz-tmpl-images.yaml: every job sets its own block, which replaces
    // the workflow-level one entirely.
    let w = golden().replace(
        "permissions: {}",
        "permissions:\n  contents: write\n  packages: write",
    );
    let found = wf(&w);
    assert!(!found.contains("[PVD-GHA-003]"), "{found}");
}

#[test]
fn gha003_single_job_takes_the_workflow_grant_as_its_own() {
    // gitleaks' release workflow: one job, the write scope at workflow level.
    let one_job = format!(
        "name: release\non:\n  release:\n    types: [published]\npermissions:\n  contents: write\njobs:\n  goreleaser:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{PIN}\n        with:\n          persist-credentials: false\n"
    );
    let found = wf(&one_job);
    assert!(!found.contains("[PVD-GHA-003]"), "{found}");
    // A second job would receive the grant too.
    let two_jobs = format!(
        "{one_job}  notify:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n"
    );
    let found = wf(&two_jobs);
    assert!(
        found.contains(".github/workflows/ci.yml:6: [PVD-GHA-003] "),
        "{found}"
    );
}

/// A trigger is pointed at where it is written, in each form `on:` takes.
#[test]
fn gha004_points_at_the_trigger_in_every_form() {
    let body = format!(
        "permissions: {{}}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{PIN}\n        with:\n          persist-credentials: false\n"
    );
    let scalar = format!("on: pull_request_target\n{body}");
    insta::assert_snapshot!(wf(&scalar), @".github/workflows/ci.yml:1: [PVD-GHA-004] `pull_request_target` runs with the base repository's secrets and a write token on events outsiders can cause");
    let block = format!("on:\n  - push\n  - workflow_run\n{body}");
    insta::assert_snapshot!(wf(&block), @".github/workflows/ci.yml:3: [PVD-GHA-004] `workflow_run` runs with the base repository's secrets and a write token on events outsiders can cause");
    let flow = format!("name: x\non: [push, pull_request_target]\n{body}");
    insta::assert_snapshot!(wf(&flow), @".github/workflows/ci.yml:2: [PVD-GHA-004] `pull_request_target` runs with the base repository's secrets and a write token on events outsiders can cause");
}

#[test]
fn gha004_005_dangerous_triggers() {
    let w = golden().replace("  pull_request:\n", "  pull_request_target:\n");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:3: [PVD-GHA-004] `pull_request_target` runs with the base repository's secrets and a write token on events outsiders can cause");
    let w = w.replace(
            "          persist-credentials: false\n",
            "          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n",
        );
    let got = wf(&w);
    insta::assert_snapshot!(got, @r#"
        .github/workflows/ci.yml:3: [PVD-GHA-004] `pull_request_target` runs with the base repository's secrets and a write token on events outsiders can cause
        .github/workflows/ci.yml:16: [PVD-GHA-005] privileged workflow checks out the pull request's code: a fork can run anything with this workflow's secrets
        "#);
}

#[test]
fn gha006_template_injection() {
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: echo \"${{ github.event.pull_request.title }}\"",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:19: [PVD-GHA-006] `github.event.pull_request.title` is attacker-controlled and expanded into code before it runs");
    let script = format!("      - uses: actions/github-script@{PIN}\n        with:\n          script: |\n            console.log(\"${{{{ github.event.comment.body }}}}\")\n  call:");
    let w = golden().replacen("  call:", &script, 1);
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:26: [PVD-GHA-006] `github.event.comment.body` is attacker-controlled and expanded into code before it runs");
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: |\n          echo ok\n          echo \"${{ github.head_ref }}\"",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:21: [PVD-GHA-006] `github.head_ref` is attacker-controlled and expanded into code before it runs");
}

#[test]
fn gha007_input_injection() {
    let w = golden().replace(
        "run: cargo deny check",
        "run: cargo deny check ${{ inputs.args }}",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:20: [PVD-GHA-007] `inputs.args` is expanded into code; whoever supplies the input can inject commands");
}

#[test]
fn gha008_persist_credentials() {
    let w = golden().replace("        with:\n          persist-credentials: false\n", "");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:13: [PVD-GHA-008] actions/checkout leaves the GITHUB_TOKEN in .git/config for every later step");
}

#[test]
fn gha009_secrets_inherit() {
    let w = golden().replace(
        "    secrets:\n      token: ${{ secrets.TOKEN }}",
        "    secrets: inherit",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:27: [PVD-GHA-009] job `call` passes every secret of the repository to the called workflow");
    let w = golden().replace(
        "run: echo \"$TITLE\"",
        "run: echo \"$TITLE\"\n        env:\n          ALL: ${{ toJSON(secrets) }}",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:21: [PVD-GHA-009] `toJSON(secrets)` exposes every secret of the repository to this step");
}

#[test]
fn gha010_unsecure_commands() {
    let w = golden().replace(
        "permissions: {}",
        "permissions: {}\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:8: [PVD-GHA-010] ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env/add-path, letting any logged text change the environment");
}

#[test]
fn gha011_self_hosted() {
    let w = golden().replace("runs-on: ubuntu-latest", "runs-on: [self-hosted, linux]");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:9: [PVD-GHA-011] job `test` runs pull-request code on a self-hosted runner");
}

#[test]
fn gha012_silent_scanner() {
    let w = golden().replace("run: cargo deny check", "run: cargo deny check || true");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:20: [PVD-GHA-012] dependency scanning (SCA) step cannot fail the build: its failure is ignored");
    let w = golden().replace(
        "run: cargo deny check",
        "continue-on-error: true\n        run: cargo deny check",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:20: [PVD-GHA-012] dependency scanning (SCA) step cannot fail the build: its failure is ignored");
    let w = golden().replace(
            "      - run: cargo deny check\n",
            &format!("      - uses: aquasecurity/trivy-action@{PIN}\n        with: {{scan-type: image, image-ref: app}}\n"),
        );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:20: [PVD-GHA-012] container image scanning step cannot fail the build: its failure is ignored");
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
    insta::assert_snapshot!(wf(&silenced), @".github/workflows/ci.yml:21: [PVD-GHA-012] container image scanning step cannot fail the build: its failure is ignored");
    // Without `--exit-code 1` trivy exits 0 on findings.
    insta::assert_snapshot!(wf(&step("", "image app")), @".github/workflows/ci.yml:20: [PVD-GHA-012] container image scanning step cannot fail the build: its failure is ignored");
    assert_eq!(wf(&step("", "image --exit-code 1 app")), "");
    // An entrypoint names the program the image runs.
    let w = golden().replace(
        "      - run: cargo deny check\n",
        &format!("      - uses: docker://ghcr.io/acme/tools@sha256:{PIN}{PIN}\n        continue-on-error: true\n        with:\n          entrypoint: /usr/bin/gitleaks\n          args: git --redact .\n"),
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:21: [PVD-GHA-012] secret scanning step cannot fail the build: its failure is ignored");
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
    assert_eq!(wf(&w), "");
    // An upload before the scan, or in another job, does not carry its results.
    let w = golden().replace(
        "      - run: cargo deny check\n",
        &format!("{upload}{trivy}"),
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:22: [PVD-GHA-012] container image scanning step cannot fail the build: its failure is ignored");
}

#[test]
fn gha013_github_env() {
    let w = golden()
        .replace("  pull_request:\n", "  workflow_run:\n")
        .replace(
            "run: echo \"$TITLE\"",
            "run: echo \"T=$TITLE\" >> \"$GITHUB_ENV\"",
        );
    let got = wf(&w);
    insta::assert_snapshot!(got, @r#"
        .github/workflows/ci.yml:3: [PVD-GHA-004] `workflow_run` runs with the base repository's secrets and a write token on events outsiders can cause
        .github/workflows/ci.yml:19: [PVD-GHA-013] privileged workflow writes to GITHUB_ENV/GITHUB_PATH: untrusted data there controls later steps
        "#);
}

#[test]
fn gha014_container_credentials() {
    let w = golden().replace(
            "    runs-on: ubuntu-latest\n",
            "    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/o/i@sha256:abc\n      credentials:\n        username: u\n        password: hunter2\n",
        );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:14: [PVD-GHA-014] registry password written in the workflow instead of a secret");
    let w = golden().replace(
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n",
    );
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:12: [PVD-GHA-017] job container image `postgres:16` is not pinned by digest");
}

#[test]
fn gha015_dependabot_cooldown() {
    let good = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n    cooldown:\n      default-days: 7\n";
    assert!(hits(&[(".github/dependabot.yml", good)]).is_empty());
    let bad = good.replace("    cooldown:\n      default-days: 7\n", "");
    insta::assert_snapshot!(hits(&[(".github/dependabot.yml", &bad)]), @".github/dependabot.yml:3: [PVD-GHA-015] dependabot updates for `cargo` have no cooldown: a freshly published (possibly malicious) release is proposed at once");
}

#[test]
fn gha016_release_cache() {
    let w = format!("on:\n  release:\n    types: [published]\npermissions: {{}}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    permissions: {{contents: read}}\n    steps:\n      - uses: actions/cache@{PIN}\n");
    insta::assert_snapshot!(wf(&w), @".github/workflows/ci.yml:10: [PVD-GHA-016] release workflow restores a cache that other (less trusted) workflows can write");
}

#[test]
fn docker_action_image_is_checked() {
    let a = "runs:\n  using: docker\n  image: docker://alpine:3\n";
    insta::assert_snapshot!(hits(&[("action.yml", a)]), @"action.yml:3: [PVD-GHA-001] `docker://alpine:3` is a container image not pinned by digest");
    let a = "runs:\n  using: docker\n  image: Dockerfile\n";
    assert!(hits(&[("action.yml", a)]).is_empty());
}

#[test]
fn composite_action_is_checked() {
    let a = "runs:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - run: echo ${{ inputs.x }}\n      shell: bash\n";
    let got = hits(&[("action.yml", a)]);
    insta::assert_snapshot!(got, @r#"
        action.yml:4: [PVD-GHA-001] `actions/setup-node@v4` is pinned to `v4`, a movable ref, not a full commit SHA
        action.yml:5: [PVD-GHA-007] `inputs.x` is expanded into code; whoever supplies the input can inject commands
        "#);
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
    insta::assert_snapshot!(hits(&[(".github/workflows/lib.yml", &both)]), @".github/workflows/lib.yml:3: [PVD-GHA-002] job `build` runs with the default GITHUB_TOKEN permissions: no `permissions:` at workflow or job level");
}

#[test]
fn gha003_one_block_spans_its_write_scopes() {
    // cli/cli's deployment workflow: three workflow-level write scopes, build jobs that
    // need none of them. Three findings (JSON, SARIF), one block in the human report.
    let text = "name: d\non: workflow_dispatch\npermissions:\n  attestations: write\n  contents: write\n  id-token: write\n  actions: read\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps: [{run: make}]\n  release:\n    runs-on: ubuntu-24.04\n    steps: [{run: make release}]\n";
    let model = crate::guardrails::RepoModel::from_memory(&[(".github/workflows/d.yml", text)]);
    let found: Vec<_> = crate::guardrails::check_all(
        &model,
        &crate::guardrails::Params::default(),
        super::rules(),
    )
    .into_iter()
    .filter(|h| h.rule == "PVD-GHA-003")
    .map(|h| (h.line, h.span))
    .collect();
    assert_eq!(
        found,
        [
            (Some(4), Some((4, 6))),
            (Some(5), Some((4, 6))),
            (Some(6), Some((4, 6))),
        ]
    );
}
