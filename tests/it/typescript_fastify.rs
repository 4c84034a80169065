//! The typescript-fastify blueprint, quickly: it passes `paved blueprint check`, the
//! rendered npm manifest and lockfile are valid JSON naming the service (so `npm ci`
//! accepts them; tests/e2e runs it), and names npm could not install are refused.

use crate::common::*;

const BLUEPRINT: &str = "typescript-fastify";

#[test]
fn the_built_in_blueprint_passes_its_own_check() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/typescript-fastify");
    let out = paved()
        .args(["blueprint", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).contains("ok: typescript-fastify"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn manifest_and_lockfile_name_the_service() {
    for (name, auth) in [
        ("a", "oidc-jwt"),
        ("orders-api", "api-key"),
        ("zz-top", "oidc-jwt"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        let out = paved()
            .args(["new", name, "--blueprint", BLUEPRINT, "--no-input", "--set"])
            .arg(format!("auth={auth}"))
            .arg("--output")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
                .expect("package.json is JSON");
        let lock: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package-lock.json")).unwrap())
                .expect("package-lock.json is JSON");
        assert_eq!(manifest["name"], name);
        assert_eq!(lock["name"], name);
        assert_eq!(lock["packages"][""]["name"], name);
        assert_eq!(lock["lockfileVersion"], 3);
        // npm ci refuses a lockfile whose root entry disagrees with package.json.
        for section in ["dependencies", "devDependencies"] {
            assert_eq!(
                lock["packages"][""][section], manifest[section],
                "{name}: {section} differ between package.json and package-lock.json"
            );
        }
        let jwt = dir.join("src/auth/jwt.ts").exists();
        assert_eq!(
            jwt,
            auth == "oidc-jwt",
            "{name}: only the chosen scheme is generated"
        );
        assert_eq!(dir.join("src/auth/apiKey.ts").exists(), auth == "api-key");
    }
}

/// npm cannot install a package that depends on a package of its own name: the
/// blueprint refuses those names before rendering anything.
#[test]
fn names_of_locked_packages_are_refused() {
    for name in ["fastify", "jose", "typescript", "pino"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = paved()
            .args([
                "new",
                name,
                "--blueprint",
                BLUEPRINT,
                "--no-input",
                "--output",
            ])
            .arg(tmp.path().join(name))
            .output()
            .expect("run paved");
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr_of(&out));
        assert!(
            !tmp.path().join(name).exists(),
            "{name}: something was written"
        );
    }
}

/// One Node release everywhere: `.nvmrc` (CI's setup-node), the Dockerfile's build
/// stage and every GitLab job image name the same version.
#[test]
fn node_release_is_the_same_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    let out = paved()
        .args([
            "new",
            "svc",
            "--blueprint",
            BLUEPRINT,
            "--no-input",
            "--set",
            "ci=gitlab",
            "--output",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let nvmrc = std::fs::read_to_string(dir.join(".nvmrc")).unwrap();
    let version = nvmrc.trim();
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        ".nvmrc must name an exact release, not {version:?}"
    );
    let tag = format!("node:{version}-bookworm-slim@sha256:");
    for file in ["Dockerfile", ".gitlab-ci.yml"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let images: Vec<&str> = text
            .split_whitespace()
            .filter(|word| word.starts_with("node:"))
            .collect();
        assert!(!images.is_empty(), "{file}: no node image");
        for image in images {
            assert!(image.starts_with(&tag), "{file}: {image} is not {tag}…");
        }
    }
}
