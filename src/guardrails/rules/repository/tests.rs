//! Edge cases of the repository rules, run against the registered rules.

use std::path::Path;

use super::rules;
use crate::guardrails::{check_all, Hit, Params, RepoModel, Rule};

/// A clean repository: every hygiene file present and complete.
pub(crate) fn golden_files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "SECURITY.md",
            "# Security\n\nReport vulnerabilities to security@acme.example.\n",
        ),
        (".github/CODEOWNERS", "# owners\n* @acme/team\n/deploy/ @acme/platform\n"),
        (
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n  - package-ecosystem: \"github-actions\"\n    directory: /\n  - package-ecosystem: docker\n    directory: /\n  - package-ecosystem: terraform\n    directory: /deploy/terraform\n",
        ),
        ("Cargo.toml", "[package]\nname = \"svc\"\n"),
        ("Cargo.lock", "version = 4\n"),
        ("src/main.rs", "fn main() {}\n"),
        (".github/workflows/ci.yml", "on: push\n"),
        ("Dockerfile", "FROM scratch\n"),
        ("deploy/terraform/main.tf", "terraform {}\n"),
        (
            ".gitignore",
            "/target\n.env*\n!.env.example\n*.pem\n*.key\n*.tfstate*\n.terraform/\n",
        ),
        (".env.example", "DATABASE_URL=postgres://localhost/app\n"),
    ]
}

fn rule(id: &str) -> &'static Rule {
    rules().iter().find(|r| r.meta.id == id).expect(id)
}

fn run(id: &str, files: &[(&str, &str)]) -> Vec<Hit> {
    let model = RepoModel::from_memory(files);
    check_all(&model, &Params::default(), [rule(id)])
}

/// The golden files with `path` replaced (or removed when `text` is None).
fn golden_with(path: &str, text: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut files: Vec<_> = golden_files()
        .into_iter()
        .filter(|(p, _)| *p != path)
        .collect();
    if let Some(text) = text {
        files.push((Box::leak(path.to_owned().into_boxed_str()), text));
    }
    files
}

#[test]
fn security_policy_missing() {
    assert!(run("PVD-REPO-001", &golden_files()).is_empty());
    let hits = run("PVD-REPO-001", &golden_with("SECURITY.md", None));
    assert_eq!(hits.len(), 1);
    let mut files = golden_with("SECURITY.md", None);
    files.push(("docs/security.md", "mail security@acme.io"));
    assert!(run("PVD-REPO-001", &files).is_empty());
    // A security policy in a random sub-directory does not count.
    let mut files = golden_with("SECURITY.md", None);
    files.push(("src/SECURITY.md", "mail security@acme.io"));
    assert_eq!(run("PVD-REPO-001", &files).len(), 1);
}

#[test]
fn security_policy_contact() {
    assert!(run("PVD-REPO-002", &golden_files()).is_empty());
    let files = golden_with("SECURITY.md", Some("# Security\nPlease tell us.\n"));
    let hits = run("PVD-REPO-002", &files);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].file, Path::new("SECURITY.md"));
    for ok in [
        "Use https://github.com/acme/svc/security/advisories/new",
        "See https://acme.io/security",
        "Mail <sec@acme.io>",
    ] {
        let files = golden_with("SECURITY.md", Some(ok));
        assert!(run("PVD-REPO-002", &files).is_empty(), "{ok}");
    }
    // No policy at all is PVD-REPO-001's business, not this rule's.
    assert!(run("PVD-REPO-002", &golden_with("SECURITY.md", None)).is_empty());
}

#[test]
fn codeowners_missing() {
    assert!(run("PVD-REPO-003", &golden_files()).is_empty());
    assert_eq!(
        run("PVD-REPO-003", &golden_with(".github/CODEOWNERS", None)).len(),
        1
    );
    let mut files = golden_with(".github/CODEOWNERS", None);
    files.push(("docs/CODEOWNERS", "* @acme\n"));
    assert!(run("PVD-REPO-003", &files).is_empty());
}

#[test]
fn codeowners_catch_all() {
    assert!(run("PVD-REPO-004", &golden_files()).is_empty());
    for text in [
        "/src/ @acme/team\n",
        "*\n",
        "# * @acme/team\n",
        "* # @acme/team\n",
    ] {
        let files = golden_with(".github/CODEOWNERS", Some(text));
        assert_eq!(run("PVD-REPO-004", &files).len(), 1, "{text:?}");
    }
    let files = golden_with(".github/CODEOWNERS", Some("**  sec@acme.io # all\n"));
    assert!(run("PVD-REPO-004", &files).is_empty());
}

#[test]
fn codeowners_syntax() {
    assert!(run("PVD-REPO-005", &golden_files()).is_empty());
    let text = "* @acme/team\n/docs/ acme-team\n!/secret/ @a\n*.[ch] @c\n/a\\ b/ @ok @bad!\n/empty/\n[Section]\n";
    let files = golden_with(".github/CODEOWNERS", Some(text));
    let hits = run("PVD-REPO-005", &files);
    let lines: Vec<_> = hits.iter().map(|h| h.line).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)], "{hits:#?}");
    assert!(hits[3].message.contains("`@bad!`"));
}

#[test]
fn dependency_updates() {
    assert!(run("PVD-REPO-006", &golden_files()).is_empty());
    let files = golden_with(".github/dependabot.yml", None);
    assert_eq!(run("PVD-REPO-006", &files).len(), 1);
    for renovate in [
        "renovate.json",
        ".renovaterc.json",
        ".github/renovate.json5",
        ".gitlab/renovate.json",
    ] {
        let mut files = golden_with(".github/dependabot.yml", None);
        files.push((renovate, "{}"));
        assert!(run("PVD-REPO-006", &files).is_empty(), "{renovate}");
    }
    let mut files = golden_with(".github/dependabot.yml", None);
    files.push(("src/renovate.json", "{}"));
    assert_eq!(run("PVD-REPO-006", &files).len(), 1);
}

#[test]
fn dependabot_ecosystems_covered() {
    assert!(run("PVD-REPO-007", &golden_files()).is_empty());
    let text = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n  # - package-ecosystem: docker\n";
    let mut files = golden_with(".github/dependabot.yml", Some(text));
    files.push(("web/package.json", "{}"));
    files.push(("requirements-dev.txt", "ruff\n"));
    let hits = run("PVD-REPO-007", &files);
    let msgs: Vec<_> = hits.iter().map(|h| h.message.as_str()).collect();
    assert_eq!(hits.len(), 5, "{msgs:#?}");
    for eco in ["github-actions", "docker", "terraform", "npm", "pip"] {
        assert!(
            msgs.iter()
                .any(|m| m.contains(&format!("ecosystem: {eco}`"))),
            "{eco}: {msgs:#?}"
        );
    }
    let files = golden_with(
        ".github/dependabot.yml",
        Some("version: 2\nupdates:\n  - [\n"),
    );
    let hits = run("PVD-REPO-007", &files);
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].message.contains("not valid YAML"),
        "{}",
        hits[0].message
    );
    // No dependabot at all is PVD-REPO-006's business.
    let files = golden_with(".github/dependabot.yml", None);
    assert!(run("PVD-REPO-007", &files).is_empty());
}

#[test]
fn lockfiles() {
    assert!(run("PVD-REPO-008", &golden_files()).is_empty());
    assert_eq!(
        run("PVD-REPO-008", &golden_with("Cargo.lock", None)).len(),
        1
    );
    // A library crate without a binary needs no lockfile; a workspace member
    // uses the workspace root's.
    let files = [("Cargo.toml", "[package]\n"), ("src/lib.rs", "")];
    assert!(run("PVD-REPO-008", &files).is_empty());
    let files = [
        ("Cargo.toml", "[workspace]\n"),
        ("Cargo.lock", ""),
        ("crates/cli/Cargo.toml", "[[bin]]\nname = \"x\"\n"),
    ];
    assert!(run("PVD-REPO-008", &files).is_empty());
    let files = [
        ("web/package.json", "{\"dependencies\": {\"a\": \"1\"}}"),
        ("tools/package.json", "{\"name\": \"no-deps\"}"),
        ("py/pyproject.toml", "[tool.poetry]\nname = \"x\"\n"),
        ("other/pyproject.toml", "[project]\nname = \"x\"\n"),
        (
            "go.mod",
            "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n)\n",
        ),
    ];
    let hits = run("PVD-REPO-008", &files);
    let paths: Vec<_> = hits
        .iter()
        .map(|h| h.file.to_string_lossy().into_owned())
        .collect();
    assert_eq!(paths, ["web/package-lock.json", "py/poetry.lock", "go.sum"]);
    let files = [
        ("web/package.json", "{\"dependencies\": {}}"),
        ("web/pnpm-lock.yaml", ""),
        ("go.mod", "module x\nrequire a v1\n"),
        ("go.sum", ""),
    ];
    assert!(run("PVD-REPO-008", &files).is_empty());
}

#[test]
fn gitignore() {
    assert!(run("PVD-REPO-009", &golden_files()).is_empty());
    assert_eq!(
        run("PVD-REPO-009", &golden_with(".gitignore", None)).len(),
        1
    );
    let files = golden_with(".gitignore", Some("/target\n*.pem\n.env\n!.env\n"));
    let hits = run("PVD-REPO-009", &files);
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0]
            .message
            .contains(".env, *.key, *.tfstate, .terraform/"),
        "{}",
        hits[0].message
    );
    let files = [(".gitignore", "**/.env\nsecrets/\n*.pem\n*.key\n")];
    assert!(run("PVD-REPO-009", &files).is_empty());
}

#[test]
fn env_files() {
    assert!(run("PVD-REPO-010", &golden_files()).is_empty());
    let files = [
        (".env", "API_KEY=1"),
        ("svc/.env.production", "DB_PASSWORD=hunter22"),
        ("svc/.env.sample", "API_KEY=1"),
        (".env.template", "API_KEY=1"),
        ("env.rs", ""),
        (".envrc", ""),
    ];
    let hits = run("PVD-REPO-010", &files);
    let paths: Vec<_> = hits
        .iter()
        .map(|h| h.file.to_string_lossy().into_owned())
        .collect();
    assert_eq!(paths, [".env", "svc/.env.production"]);
}

/// The repository a platform team would call clean: no rule of this domain fires.
#[test]
fn golden_repository_has_no_hits() {
    let model = RepoModel::from_memory(&golden_files());
    let hits = check_all(&model, &Params::default(), rules());
    assert!(hits.is_empty(), "{hits:#?}");
}

/// A `.env` of comments, empty values and stand-ins is a template, not a committed
/// environment; one real value makes it one.
#[test]
fn env_files_of_placeholders_are_templates() {
    let only_placeholders = "# local settings\nAPI_KEY=\nDB_PASSWORD=changeme\nTOKEN=<your-key>\nURL=${DATABASE_URL}\nSECRET=xxx\nNAME=example\n";
    assert!(run("PVD-REPO-010", &[(".env", only_placeholders)]).is_empty());
    let settings = format!("{only_placeholders}REGION=eu-west-1\nPOSTGRES_USER=app\nPORT=8080\n");
    assert!(run("PVD-REPO-010", &[(".env", settings.as_str())]).is_empty());
    let one_value = format!("{settings}DATABASE_URL=postgres://app@db.internal/app\n");
    assert_eq!(
        run("PVD-REPO-010", &[(".env", one_value.as_str())]).len(),
        1
    );
}

/// excalidraw's `.env.production`: a front end's build settings, public endpoints
/// and a public key; nothing in it to rotate.
#[test]
fn env_files_of_public_endpoints_are_not_reported() {
    let public = "MODE=\"production\"\nVITE_APP_BACKEND_V2_GET_URL=https://json.example.com/api/v2/\nVITE_APP_AUTH_SERVER_URL=https://auth.example.org\nVITE_APP_PLUS_EXPORT_PUBLIC_KEY='MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApQ0jM9Qz'\nVITE_APP_ENABLE_TRACKING=false\n";
    assert!(run("PVD-REPO-010", &[(".env.production", public)]).is_empty());
    let with_token =
        format!("{public}VITE_APP_HOOK_URL=https://hooks.acme.io/x?token=Zx9qT4pL2wRb\n");
    assert_eq!(
        run("PVD-REPO-010", &[(".env.production", with_token.as_str())]).len(),
        1
    );
}
