use super::rules;
use crate::guardrails::{check_all, Params, RepoModel};

/// The hardened Dockerfile a generated service ships: pinned digests, a distroless
/// nonroot runtime, numeric USER, exec-form HEALTHCHECK.
pub const GOLDEN: &str = include_str!("../../../../tests/fixtures/rules/docker/golden/Dockerfile");

const IGNORE: &str = include_str!("../../../../tests/fixtures/rules/docker/golden/.dockerignore");

fn run_with(files: &[(&str, &str)], params: &Params) -> Vec<(&'static str, Option<u32>)> {
    let model = RepoModel::from_memory(files);
    check_all(&model, params, rules())
        .into_iter()
        .map(|h| (h.rule, h.line))
        .collect()
}

fn run(dockerfile: &str) -> Vec<(&'static str, Option<u32>)> {
    run_with(
        &[("Dockerfile", dockerfile), (".dockerignore", IGNORE)],
        &Params::default(),
    )
}

/// A minimal clean final stage to append weakened lines to.
fn clean(body: &str) -> String {
    format!("FROM gcr.io/distroless/static:nonroot@sha256:abc\n{body}\nUSER 65532:65532\nHEALTHCHECK CMD [\"/app\", \"health\"]\n")
}

/// `rule` fires on `line` of `dockerfile`.
fn fires(dockerfile: &str, rule: &str, line: u32) {
    let hits = run(dockerfile);
    assert!(
        hits.contains(&(leak(rule), Some(line))),
        "expected {rule} at line {line}, got {hits:?}\n---\n{dockerfile}"
    );
}

/// `rule` does not fire on `dockerfile`.
fn quiet(dockerfile: &str, rule: &str) {
    let hits = run(dockerfile);
    assert!(
        !hits.iter().any(|(r, _)| *r == rule),
        "{rule} fired unexpectedly: {hits:?}\n---\n{dockerfile}"
    );
}

fn leak(s: &str) -> &'static str {
    rules()
        .iter()
        .map(|r| r.meta.id)
        .find(|id| *id == s)
        .expect("known rule id")
}

#[test]
fn golden_dockerfile_is_clean() {
    assert_eq!(run(GOLDEN), vec![]);
    let allowed: toml::Table =
        toml::from_str(r#"allowed_registries = ["gcr.io", "docker.io/library"]"#).unwrap();
    assert_eq!(
        run_with(
            &[("Dockerfile", GOLDEN), (".dockerignore", IGNORE)],
            &Params::new(allowed)
        ),
        vec![]
    );
}

#[test]
fn golden_weakened_variants_hit_the_expected_line() {
    let variants: &[(&str, &str, &str, u32)] = &[
        ("USER 65532:65532", "USER root", "PVD-DOCKER-001", 14),
        ("USER 65532:65532", "USER app", "PVD-DOCKER-002", 14),
        ("cc-debian12:nonroot@sha256:1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e", "cc-debian12:nonroot", "PVD-DOCKER-003", 11),
        ("cc-debian12:nonroot@sha256:1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e", "cc-debian12", "PVD-DOCKER-004", 11),
        ("EXPOSE 8080", "EXPOSE 8080 22", "PVD-DOCKER-017", 15),
        ("EXPOSE 8080", "ENV API_TOKEN=s3cr3t-value", "PVD-DOCKER-006", 15),
        ("HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD [\"/app/demo-svc\", \"--healthcheck\"]", "HEALTHCHECK NONE", "PVD-DOCKER-016", 16),
        ("--chmod=0755", "--chmod=0777", "PVD-DOCKER-019", 13),
        ("LABEL org.opencontainers.image.authors=\"platform@example.com\"", "MAINTAINER platform@example.com", "PVD-DOCKER-020", 12),
        ("cargo build --release --locked", "curl -fsSL https://sh.rustup.rs | sh && cargo build --release --locked", "PVD-DOCKER-009", 7),
        ("cargo build --release --locked", "curl -k https://x && cargo build --release --locked", "PVD-DOCKER-021", 7),
    ];
    for (from, to, rule, line) in variants {
        assert!(GOLDEN.contains(from), "{from}");
        let weakened = GOLDEN.replacen(from, to, 1);
        let hits = run(&weakened);
        // No tag and no digest is one cause: PVD-DOCKER-004 alone reports it.
        let expected = vec![(leak(rule), Some(*line))];
        assert_eq!(hits, expected, "variant {to}: {weakened}");
    }
    // No USER at all: the finding points at the final FROM.
    let no_user = GOLDEN
        .replace("USER 65532:65532\n", "")
        .replace(":nonroot@", ":latest@");
    assert_eq!(run(&no_user), vec![("PVD-DOCKER-001", Some(11))]);
}

#[test]
fn r001_root_user() {
    fires("FROM debian:12\nCMD [\"x\"]\n", "PVD-DOCKER-001", 1);
    fires(
        "FROM debian:12\nUSER 1000\nUSER root\n",
        "PVD-DOCKER-001",
        3,
    );
    fires("FROM debian:12\nUSER 0:0\n", "PVD-DOCKER-001", 2);
    fires(
        "FROM debian:12 AS a\nUSER 1000\nFROM scratch\nCOPY --from=a /app /app\nENTRYPOINT [\"/app\"]\n",
        "PVD-DOCKER-001",
        3,
    );
    quiet("FROM debian:12\nUSER 10001:10001\n", "PVD-DOCKER-001");
    // Images whose publisher documents a non-root default user run as it…
    for image in [
        "gcr.io/distroless/static:nonroot",
        "gcr.io/distroless/base-debian12:debug-nonroot",
        "cgr.dev/chainguard/static:latest",
    ] {
        quiet(&format!("FROM {image}\nCOPY app /app\n"), "PVD-DOCKER-001");
    }
    // …until a later `USER root`, and a mere `nonroot` in another tag is a hope.
    fires(
        "FROM gcr.io/distroless/static:nonroot\nUSER root\n",
        "PVD-DOCKER-001",
        2,
    );
    fires("FROM example.com/app:nonroot\n", "PVD-DOCKER-001", 1);
    fires(
        "FROM cgr.dev/chainguard/static:latest-dev\n",
        "PVD-DOCKER-001",
        1,
    );
    // A scratch stage with nothing to run is exported as files (`docker build
    // --output`), not run; with an ENTRYPOINT it is a service image again.
    quiet(
        "FROM debian:12 AS build\nRUN make\nFROM scratch AS export\nCOPY --from=build /out /\n",
        "PVD-DOCKER-001",
    );
    fires(
        "FROM debian:12 AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\nCMD [\"/app\"]\n",
        "PVD-DOCKER-001",
        3,
    );
    quiet(
        "FROM debian:12 AS base\nUSER 10001\nFROM base\nRUN true\n",
        "PVD-DOCKER-001",
    );
    quiet("", "PVD-DOCKER-001");
}

#[test]
fn r002_named_user() {
    fires("FROM a:1@sha256:x\nUSER app:app\n", "PVD-DOCKER-002", 2);
    quiet(&clean(""), "PVD-DOCKER-002");
    quiet("FROM a:1@sha256:x\nUSER ${APP_UID}\n", "PVD-DOCKER-002");
    // `nonroot` is the documented UID 65532 of distroless and Chainguard images.
    quiet(
        "FROM gcr.io/distroless/static:nonroot\nUSER nonroot:nonroot\n",
        "PVD-DOCKER-002",
    );
    fires("FROM debian:12\nUSER nonroot\n", "PVD-DOCKER-002", 2);
}

#[test]
fn r003_digest() {
    fires("FROM debian:12\n", "PVD-DOCKER-003", 1);
    fires(
        "FROM a@sha256:1 AS b\nFROM python:3.12-slim\n",
        "PVD-DOCKER-003",
        2,
    );
    quiet(
        "FROM debian:12@sha256:abc\nFROM scratch\n",
        "PVD-DOCKER-003",
    );
    quiet("FROM debian:12@sha256:abc AS b\nFROM b\n", "PVD-DOCKER-003");
    quiet("ARG IMAGE\nFROM $IMAGE\n", "PVD-DOCKER-003");
    // A tagged ARG default is this rule's; an untagged one is PVD-DOCKER-004's alone.
    fires("ARG BASE=node:22\nFROM ${BASE}\n", "PVD-DOCKER-003", 2);
    quiet("ARG BASE=node\nFROM ${BASE}\n", "PVD-DOCKER-003");
    quiet("FROM node\n", "PVD-DOCKER-003");
    quiet("FROM node:latest\n", "PVD-DOCKER-003");
}

#[test]
fn r004_latest() {
    fires("FROM debian\n", "PVD-DOCKER-004", 1);
    fires(
        "FROM --platform=linux/amd64 debian:latest AS x\n",
        "PVD-DOCKER-004",
        1,
    );
    fires("ARG T=latest\nFROM debian:${T}\n", "PVD-DOCKER-004", 2);
    quiet("FROM debian:12\nFROM debian@sha256:abc\n", "PVD-DOCKER-004");
    quiet("FROM localhost:5000/app:1.2\n", "PVD-DOCKER-004");
}

#[test]
fn r005_registry_allow_list() {
    let params = Params::new(
        toml::from_str(r#"allowed_registries = ["gcr.io", "registry.example.com/base"]"#).unwrap(),
    );
    let files = |d: &'static str| [("Dockerfile", d), (".dockerignore", IGNORE)];
    let hits = run_with(&files("FROM gcr.io/distroless/static\nFROM registry.example.com/base/jdk:21\nFROM python:3.12\nFROM registry.example.com/other/x:1\n"), &params);
    let found: Vec<_> = hits.iter().filter(|h| h.0 == "PVD-DOCKER-005").collect();
    assert_eq!(
        found,
        vec![&("PVD-DOCKER-005", Some(3)), &("PVD-DOCKER-005", Some(4))]
    );
    // Off by default.
    quiet("FROM python:3.12\n", "PVD-DOCKER-005");
}

#[test]
fn r006_secrets() {
    fires(&clean("ENV DB_PASSWORD=hunter2"), "PVD-DOCKER-006", 2);
    fires(
        &clean("ARG GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        "PVD-DOCKER-006",
        2,
    );
    fires(
        &clean("ENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        "PVD-DOCKER-006",
        2,
    );
    fires(&clean("ENV K=AKIAIOSFODNN7EXAMPLE"), "PVD-DOCKER-006", 2);
    quiet(
        &clean("ENV DB_PASSWORD_FILE=/run/secrets/db"),
        "PVD-DOCKER-006",
    );
    quiet(&clean("ARG NPM_TOKEN"), "PVD-DOCKER-006");
    quiet(
        &clean("ENV API_TOKEN=$API_TOKEN TOKEN_URL=https://idp/token"),
        "PVD-DOCKER-006",
    );
}

#[test]
fn r007_r008_add() {
    fires(
        &clean("ADD https://example.com/tool.tar.gz /opt/"),
        "PVD-DOCKER-007",
        2,
    );
    quiet(
        &clean("ADD --checksum=sha256:abc https://example.com/tool.tar.gz /opt/"),
        "PVD-DOCKER-007",
    );
    fires(&clean("ADD app.py /app/"), "PVD-DOCKER-008", 2);
    quiet(
        &clean("ADD rootfs.tar.gz /\nADD https://x/y /z"),
        "PVD-DOCKER-008",
    );
    quiet(&clean("COPY app.py /app/"), "PVD-DOCKER-008");
}

#[test]
fn r009_pipe_to_shell() {
    fires(
        &clean("RUN curl -fsSL https://get.example.com | bash -s --"),
        "PVD-DOCKER-009",
        2,
    );
    fires(
        &clean("RUN wget -qO- https://x | sudo sh"),
        "PVD-DOCKER-009",
        2,
    );
    fires(
        &clean("RUN sh -c \"$(curl -fsSL https://x)\""),
        "PVD-DOCKER-009",
        2,
    );
    fires(
        &clean("RUN <<EOF\nset -e\ncurl -fsSL https://x | python3\nEOF"),
        "PVD-DOCKER-009",
        2,
    );
    quiet(&clean("RUN curl -fsSLo /tmp/i.sh https://x && echo 'abc  /tmp/i.sh' | sha256sum -c && sh /tmp/i.sh"), "PVD-DOCKER-009");
    quiet(
        &clean("RUN curl -fsSL https://x | tar -xz"),
        "PVD-DOCKER-009",
    );
    quiet(
        &clean(
            "RUN curl -s https://api/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'",
        ),
        "PVD-DOCKER-009",
    );
}

#[test]
fn r010_r011_r012_apt() {
    let bad =
        "FROM debian:12@sha256:a\nRUN apt-get update \\\n && apt-get install -y curl\nUSER 1\n";
    fires(bad, "PVD-DOCKER-010", 2);
    fires(bad, "PVD-DOCKER-011", 2);
    let good = "FROM debian:12@sha256:a\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1\n";
    quiet(good, "PVD-DOCKER-010");
    quiet(good, "PVD-DOCKER-011");
    // Lists left in a build stage that does not ship are fine.
    quiet("FROM debian:12@sha256:a AS b\nRUN apt-get install --no-install-recommends -y gcc\nFROM scratch\nUSER 1\n", "PVD-DOCKER-011");
    quiet("FROM debian:12@sha256:a\nRUN --mount=type=cache,target=/var/lib/apt apt-get install --no-install-recommends -y gcc\n", "PVD-DOCKER-011");
    fires(
        "FROM debian:12@sha256:a\nRUN apt-get update && apt-get -y dist-upgrade\n",
        "PVD-DOCKER-012",
        2,
    );
    quiet(good, "PVD-DOCKER-012");
}

#[test]
fn r013_apk() {
    fires(&clean("RUN apk add curl"), "PVD-DOCKER-013", 2);
    quiet(&clean("RUN apk add --no-cache curl"), "PVD-DOCKER-013");
    quiet(
        &clean("RUN apk update && apk add curl && rm -rf /var/cache/apk/*"),
        "PVD-DOCKER-013",
    );
}

#[test]
fn r014_pip() {
    fires(&clean("RUN pip install flask"), "PVD-DOCKER-014", 2);
    fires(
        &clean("RUN [\"python3\", \"-m\", \"pip\", \"install\", \"-r\", \"req.txt\"]"),
        "PVD-DOCKER-014",
        2,
    );
    quiet(
        &clean("RUN pip install --no-cache-dir flask"),
        "PVD-DOCKER-014",
    );
    quiet(
        &clean("ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask"),
        "PVD-DOCKER-014",
    );
    // mealie: set once in a base stage, inherited by the stages built on it.
    let inherited = "FROM python:3.12-slim AS base\nENV PIP_NO_CACHE_DIR=off\nFROM base AS deps\nRUN pip install -r req.txt\nFROM base\nCOPY --from=deps /venv /venv\nUSER 1000\n";
    quiet(inherited, "PVD-DOCKER-014");
    // A sibling stage's ENV does not apply.
    fires(
        "FROM python:3.12-slim AS a\nENV PIP_NO_CACHE_DIR=1\nFROM python:3.12-slim\nRUN pip install flask\nUSER 1000\n",
        "PVD-DOCKER-014",
        4,
    );
}

#[test]
fn r015_sudo() {
    fires(&clean("RUN sudo apt-get update"), "PVD-DOCKER-015", 2);
    fires(&clean("RUN echo 'app:pw' | chpasswd"), "PVD-DOCKER-015", 2);
    // Gitea's image unlocks its SSH-only `git` account with a password nobody knows.
    quiet(
        &clean("RUN adduser -S -D git && echo \"git:$(dd if=/dev/urandom bs=24 count=1 status=none | base64)\" | chpasswd"),
        "PVD-DOCKER-015",
    );
    quiet(
        &clean("RUN echo \"app:$(openssl rand -hex 16)\" | chpasswd"),
        "PVD-DOCKER-015",
    );
    quiet(
        &clean("RUN apt-get install --no-install-recommends -y sudo-ldap && echo sudo"),
        "PVD-DOCKER-015",
    );
}

#[test]
fn r016_healthcheck() {
    fires(
        "FROM a:1@sha256:x AS b\nFROM scratch\nUSER 1\nEXPOSE 8080\nENTRYPOINT [\"/app\"]\n",
        "PVD-DOCKER-016",
        2,
    );
    // No port declared: a CLI tool image (gitleaks, zizmor, uv), not a service.
    quiet(
        "FROM a:1@sha256:x AS b\nFROM scratch\nUSER 1\nENTRYPOINT [\"/app\"]\n",
        "PVD-DOCKER-016",
    );
    quiet(
        "FROM a:1@sha256:x AS b\nFROM scratch\nCOPY --from=b /out /\n",
        "PVD-DOCKER-016",
    );
    fires(
        "FROM a:1@sha256:x\nEXPOSE 80\nHEALTHCHECK NONE\n",
        "PVD-DOCKER-016",
        3,
    );
    quiet(&clean(""), "PVD-DOCKER-016");
    quiet(
        "FROM a:1@sha256:x AS b\nHEALTHCHECK CMD [\"/x\"]\nFROM b\n",
        "PVD-DOCKER-016",
    );
}

/// traefik's `build.Dockerfile`: a build-tools image run by the Makefile in CI.
#[test]
fn build_and_dev_images_are_not_workloads() {
    let image = "FROM golang:1.10-alpine@sha256:x\nWORKDIR /src\nCOPY go.mod /src/\nEXPOSE 8080\n";
    let model = RepoModel::from_memory(&[
        ("build.Dockerfile", image),
        (".devcontainer/Dockerfile", image),
        ("Dockerfile", image),
    ]);
    let hits = check_all(&model, &Params::default(), super::rules());
    let of = |rule: &str, file: &str| {
        hits.iter()
            .filter(|h| h.rule == rule && h.file.to_string_lossy() == file)
            .collect::<Vec<_>>()
    };
    // No HEALTHCHECK asked of a tool image; the deployed one still gets the finding.
    assert!(of("PVD-DOCKER-016", "build.Dockerfile").is_empty());
    assert!(of("PVD-DOCKER-016", ".devcontainer/Dockerfile").is_empty());
    assert_eq!(of("PVD-DOCKER-016", "Dockerfile").len(), 1);
    // Root is still reported, graded low for the tool images and high otherwise.
    let root = of("PVD-DOCKER-001", "build.Dockerfile");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].severity, Some(crate::guardrails::Severity::Low));
    assert!(root[0].message.contains("build or development image"));
    assert_eq!(of("PVD-DOCKER-001", "Dockerfile")[0].severity, None);
}

#[test]
fn r017_ssh() {
    fires(&clean("EXPOSE 8080 22/tcp"), "PVD-DOCKER-017", 2);
    quiet(&clean("EXPOSE 8022 2222"), "PVD-DOCKER-017");
    // An administrator's sshd next to the service is still reported.
    fires(
        &clean("RUN apt-get install -y openssh-server\nEXPOSE 22 8080"),
        "PVD-DOCKER-017",
        3,
    );
}

/// Git hosts serve Git over SSH on port 22: gitea (the `git` account, unlocked with
/// a random password) and gogs (installs git and openssh; its build script makes the
/// account).
#[test]
fn r017_git_over_ssh_is_the_product() {
    let gitea = "FROM alpine:3.22\nEXPOSE 22 3000\nRUN apk --no-cache add git\nRUN apk --no-cache add openssh\nRUN addgroup -S -g 1000 git && adduser -S -H -D -h /data/git -s /bin/bash -u 1000 -G git git\nENV USER git\n";
    quiet(gitea, "PVD-DOCKER-017");
    let gogs = "FROM alpine:3.3\nRUN apk --no-cache --no-progress add ca-certificates bash git linux-pam s6 curl openssh socat\nEXPOSE 22 3000\n";
    quiet(gogs, "PVD-DOCKER-017");
    let git_shell = "FROM debian:12\nRUN useradd -m -s /usr/bin/git-shell repos\nEXPOSE 22\n";
    quiet(git_shell, "PVD-DOCKER-017");
    // git alone (a build tool) is not a Git host.
    fires(
        "FROM debian:12\nRUN apt-get install -y git\nRUN apt-get install -y openssh-client\nEXPOSE 22\n",
        "PVD-DOCKER-017",
        4,
    );
}

#[test]
fn r018_whole_context_without_dockerignore() {
    let d = "FROM a:1@sha256:x\nWORKDIR /app\nCOPY . .\nUSER 1\n";
    let hits = run_with(&[("svc/Dockerfile", d)], &Params::default());
    assert!(hits.contains(&("PVD-DOCKER-018", Some(3))), "{hits:?}");
    let hits = run_with(
        &[("svc/Dockerfile", d), ("svc/.dockerignore", IGNORE)],
        &Params::default(),
    );
    assert!(!hits.iter().any(|h| h.0 == "PVD-DOCKER-018"));
    let hits = run_with(
        &[(
            "Dockerfile",
            "FROM a:1@sha256:x AS b\nCOPY . .\nFROM b AS c\nFROM scratch\nCOPY --from=b /x /x\n",
        )],
        &Params::default(),
    );
    assert!(!hits.iter().any(|h| h.0 == "PVD-DOCKER-018"), "{hits:?}");
    // The root's .dockerignore does not apply to `svc/`, built from its own
    // directory…
    let hits = run_with(
        &[("svc/Dockerfile", d), (".dockerignore", IGNORE)],
        &Params::default(),
    );
    assert!(hits.contains(&("PVD-DOCKER-018", Some(3))), "{hits:?}");
    // …unless the repository builds it with the root as context.
    for (file, text) in [
        ("compose.yaml", "services:\n  svc:\n    build:\n      context: .\n      dockerfile: svc/Dockerfile\n"),
        (".github/workflows/img.yml", "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          file: svc/Dockerfile\n"),
        (".gitlab-ci.yml", "img:\n  script:\n    - docker build -t x -f svc/Dockerfile .\n"),
        ("scripts/build.sh", "#!/bin/sh\ndocker build --file svc/Dockerfile .\n"),
    ] {
        let hits = run_with(
            &[("svc/Dockerfile", d), (".dockerignore", IGNORE), (file, text)],
            &Params::default(),
        );
        assert!(!hits.iter().any(|h| h.0 == "PVD-DOCKER-018"), "{file}: {hits:?}");
    }
    // A Dockerfile-specific ignore file beside it applies whatever the context.
    let hits = run_with(
        &[
            ("svc/Dockerfile", d),
            ("svc/Dockerfile.dockerignore", IGNORE),
        ],
        &Params::default(),
    );
    assert!(!hits.iter().any(|h| h.0 == "PVD-DOCKER-018"), "{hits:?}");
}

#[test]
fn r019_world_writable() {
    fires(&clean("RUN chmod -R 777 /app"), "PVD-DOCKER-019", 2);
    fires(&clean("RUN chmod a+rwx /tmp/x"), "PVD-DOCKER-019", 2);
    fires(&clean("COPY --chmod=666 a /b"), "PVD-DOCKER-019", 2);
    quiet(
        &clean("RUN chmod 0755 /app && chmod o+r /x\nCOPY --chmod=644 a b"),
        "PVD-DOCKER-019",
    );
}

#[test]
fn r020_maintainer() {
    fires(&clean("maintainer someone"), "PVD-DOCKER-020", 2);
    quiet(&clean("LABEL maintainer=someone"), "PVD-DOCKER-020");
}

#[test]
fn r021_tls() {
    fires(
        &clean("RUN curl -fsSLk https://x -o y"),
        "PVD-DOCKER-021",
        2,
    );
    fires(
        &clean("RUN wget --no-check-certificate https://x"),
        "PVD-DOCKER-021",
        2,
    );
    fires(
        &clean("ENV NODE_TLS_REJECT_UNAUTHORIZED=0"),
        "PVD-DOCKER-021",
        2,
    );
    fires(
        &clean("RUN pip install --no-cache-dir --trusted-host pypi.org x"),
        "PVD-DOCKER-021",
        2,
    );
    fires(
        &clean("RUN GIT_SSL_NO_VERIFY=true git clone https://x"),
        "PVD-DOCKER-021",
        2,
    );
    quiet(
        &clean("RUN curl -fsSL --proto =https https://x -o y && wget -q https://z"),
        "PVD-DOCKER-021",
    );
}

#[test]
fn r022_signatures() {
    fires(
        &clean("RUN apt-get install -y --no-install-recommends --allow-unauthenticated x"),
        "PVD-DOCKER-022",
        2,
    );
    fires(
        &clean("RUN yum install -y --nogpgcheck x"),
        "PVD-DOCKER-022",
        2,
    );
    fires(
        &clean("RUN apk add --no-cache --allow-untrusted /tmp/x.apk"),
        "PVD-DOCKER-022",
        2,
    );
    quiet(&clean("RUN apk add --no-cache x"), "PVD-DOCKER-022");
}

#[test]
fn r023_secret_files() {
    fires(&clean("COPY .env /app/.env"), "PVD-DOCKER-023", 2);
    fires(
        &clean("COPY [\"id_rsa\", \"/root/.ssh/\"]"),
        "PVD-DOCKER-023",
        2,
    );
    fires(
        &clean("ADD certs/server.key /etc/tls/"),
        "PVD-DOCKER-023",
        2,
    );
    quiet(&clean("COPY .env.example /app/\nCOPY --from=build /etc/ssl/private/x.key /x\nCOPY ca.pem /etc/ssl/"), "PVD-DOCKER-023");
}

#[test]
fn every_rule_has_a_test() {
    let src = include_str!("tests.rs");
    for rule in rules() {
        assert!(
            src.contains(&format!("\"{}\"", rule.meta.id)),
            "{} untested",
            rule.meta.id
        );
    }
}

#[test]
fn hostile_dockerfiles_do_not_panic() {
    for text in [
        "FROM",
        "FROM \nUSER",
        "USER root",
        "RUN \"unterminated",
        "FROM a\nRUN <<EOF\n",
        "FROM a\nCOPY\nADD\nEXPOSE\nENV\nARG =\nHEALTHCHECK\n",
        "FROM a\nRUN $(((((((((((((((\n",
        "\u{feff}FROM a\nRUN chmod\nRUN apk\nRUN pip\n",
    ] {
        let _ = run(text);
    }
}

/// A Dockerfile with one of almost everything; hadolint and checkov flag the same
/// lines (DL3006, DL4000, DL3064, DL3020, DL3009, DL3015, DL3004, DL3042;
/// CKV_DOCKER_1/2/3/4/6/7, CKV2_DOCKER_1).
#[test]
fn kitchen_sink_matches_other_scanners() {
    let d = "FROM ubuntu\nMAINTAINER me\nENV DB_PASSWORD=hunter2\nADD app.py /app/\nADD https://example.com/x.tar.gz /opt/\nRUN apt-get update && apt-get install -y curl && apt-get upgrade -y\nRUN curl -fsSL https://x | bash\nRUN sudo chmod 777 /app\nRUN pip install flask\nEXPOSE 22\nCOPY . .\n";
    let mut hits = run_with(&[("Dockerfile", d)], &Params::default());
    hits.sort();
    let mut expected = vec![
        ("PVD-DOCKER-001", Some(1)),
        // `FROM ubuntu`: no tag and no digest, one finding (PVD-DOCKER-004's).
        ("PVD-DOCKER-004", Some(1)),
        ("PVD-DOCKER-006", Some(3)),
        ("PVD-DOCKER-007", Some(5)),
        ("PVD-DOCKER-008", Some(4)),
        ("PVD-DOCKER-009", Some(7)),
        ("PVD-DOCKER-010", Some(6)),
        ("PVD-DOCKER-011", Some(6)),
        ("PVD-DOCKER-012", Some(6)),
        ("PVD-DOCKER-014", Some(9)),
        ("PVD-DOCKER-015", Some(8)),
        ("PVD-DOCKER-016", Some(1)),
        ("PVD-DOCKER-017", Some(10)),
        ("PVD-DOCKER-018", Some(11)),
        ("PVD-DOCKER-019", Some(8)),
        ("PVD-DOCKER-020", Some(2)),
    ];
    expected.sort();
    assert_eq!(hits, expected);
}

/// Every truncation of the golden file, and of a file with one of everything, parses
/// and runs through every rule without panicking.
#[test]
fn truncated_files_never_panic() {
    let sink = "FROM ubuntu AS a\nRUN <<EOF\ncurl x | sh\nEOF\nCOPY --chmod=777 [\"a\", \"b\"]\nENV A=\"b c\" \\\n  D='e'\nUSER root:0\nHEALTHCHECK NONE\n";
    for text in [GOLDEN, sink] {
        for (i, _) in text.char_indices() {
            let _ = run(&text[..i]);
        }
    }
}

#[test]
fn r024_dockerignore_content() {
    let d = "FROM a:1@sha256:x\nCOPY . .\nUSER 1\nHEALTHCHECK CMD [\"/a\"]\n";
    let hits = run_with(
        &[
            ("Dockerfile", d),
            (".dockerignore", "target/\nnode_modules\n"),
        ],
        &Params::default(),
    );
    assert_eq!(hits, vec![("PVD-DOCKER-024", None)]);
    let hits = run_with(
        &[
            ("Dockerfile", d),
            (".dockerignore", "# comment\n/.git/\n**/.env*\n"),
        ],
        &Params::default(),
    );
    assert_eq!(hits, vec![]);
    // Allow-list style: ignore everything, re-include the sources.
    let hits = run_with(
        &[("Dockerfile", d), (".dockerignore", "*\n!src\n!Cargo.*\n")],
        &Params::default(),
    );
    assert_eq!(hits, vec![]);
    let hits = run_with(
        &[("Dockerfile", d), (".dockerignore", "*\n!.env\n.git\n")],
        &Params::default(),
    );
    assert_eq!(hits, vec![("PVD-DOCKER-024", None)]);
    // Only relevant when the whole context is copied.
    let hits = run_with(
        &[("Dockerfile", GOLDEN), (".dockerignore", "target/\n")],
        &Params::default(),
    );
    assert_eq!(hits, vec![]);
    // The context's file is read, not the root's: here `app/` is the context.
    let hits = run_with(
        &[
            ("app/Dockerfile", d),
            ("app/.dockerignore", "target/\n"),
            (".dockerignore", ".git\n.env*\n"),
        ],
        &Params::default(),
    );
    assert_eq!(hits, vec![("PVD-DOCKER-024", None)]);
}

#[test]
fn r025_compose_unconfined() {
    let compose = |opts: &str| {
        format!(
            "services:\n  app:\n    image: a:1\n    security_opt:\n{opts}  db:\n    image: b:1\n"
        )
    };
    let hits = run_with(
        &[(
            "deploy/compose.prod.yaml",
            &compose("      - no-new-privileges:true\n      - seccomp=unconfined\n"),
        )],
        &Params::default(),
    );
    assert_eq!(hits, vec![("PVD-DOCKER-025", Some(6))]);
    let hits = run_with(
        &[(
            "docker-compose.yml",
            &compose("      - seccomp:./profile.json\n      - apparmor:docker-default\n"),
        )],
        &Params::default(),
    );
    assert_eq!(hits, vec![]);
    // Not a compose file: the same keys mean nothing.
    let hits = run_with(
        &[(
            "deploy/values.yaml",
            &compose("      - seccomp:unconfined\n"),
        )],
        &Params::default(),
    );
    assert_eq!(hits, vec![]);
}

#[test]
fn r026_to_r029_compose_host_access() {
    let service = "services:\n  app:\n    image: a:1\n    privileged: true\n    network_mode: host\n    cap_add: [SYS_ADMIN]\n    volumes:\n      - /run/docker.sock:/var/run/docker.sock:ro\n";
    let hits = run_with(&[("deploy/compose.yaml", service)], &Params::default());
    assert_eq!(
        hits,
        vec![
            ("PVD-DOCKER-026", Some(4)),
            ("PVD-DOCKER-027", Some(8)),
            ("PVD-DOCKER-028", Some(5)),
            ("PVD-DOCKER-029", Some(6)),
        ]
    );
    // Not a compose file: the same keys mean nothing.
    let hits = run_with(&[("deploy/values.yaml", service)], &Params::default());
    assert_eq!(hits, vec![]);
}
