//! Edge cases of the secret rules, run against the registered rules.

use std::path::PathBuf;

use paved_model::secrets::{base64_decode, mask};

use super::rules;
use crate::guardrails::{check_all, Hit, Params, RepoModel, Rule, SourceFile};

// Test secrets are assembled at run time so this source file never contains one.
fn github_token() -> String {
    format!("{}_{}", "ghp", "R7kq2Lz9Xw4Tn8Vb3Mc6Pd1Hs5Jf0Ga2Ye7Ui")
}
fn aws_id() -> String {
    format!("{}{}", "AKIA", "Q3EGRTYU5JKLMN2P")
}
fn aws_secret() -> String {
    format!("{}{}", "wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Lm3Nt4V")
}
fn pem_key(kind: &str) -> String {
    let body = "MIIEowIBAAKCAQEA7v3Qm0JrFQ9sZk2xWcN1aTfLgH8pRy4UoVbXeCdKiMnOjPqS";
    format!("-----BEGIN {kind}PRIVATE KEY-----\n{body}\n{body}\n-----END {kind}PRIVATE KEY-----\n")
}
fn jwt(payload: &str) -> String {
    let enc = |s: &str| -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    format!(
        "{}.{}.{}",
        enc(r#"{"alg":"RS256","typ":"JWT"}"#),
        enc(payload),
        "Qm9ndXNTaWduYXR1cmVCeXRlc0hlcmUx"
    )
}

fn rule(id: &str) -> &'static Rule {
    rules().iter().find(|r| r.meta.id == id).expect(id)
}

fn run(id: &str, files: &[(&str, &str)]) -> Vec<Hit> {
    check_all(
        &RepoModel::from_memory(files),
        &Params::default(),
        [rule(id)],
    )
}

fn all_text(hits: &[Hit]) -> String {
    hits.iter().map(|h| format!("{h:?}\n")).collect()
}

#[test]
fn masks_all_but_four_characters() {
    assert_eq!(mask("ghp_abcdefgh"), "ghp_… (12 characters)");
    assert_eq!(mask("ab"), "ab… (2 characters)");
}

#[test]
fn private_keys() {
    let rsa = pem_key("RSA ");
    let pkcs8 = pem_key("");
    let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n";
    let doc = format!("Paste your key:\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\nlet id = \"{}\";\n", "Qm9ndXNTaWduYXR1cmVCeXRlc0hlcmUxQm9ndXNTaWduYXR1cmVC");
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB...\n";
    let src = format!(
        "const KEY: &str = \"{}\";",
        pem_key("EC ").replace('\n', "\\n")
    );
    let files = [
        ("deploy/tls.key", rsa.as_str()),
        ("a/b.pem", &format!("intro\n{pkcs8}")),
        ("me.ppk", putty),
        ("docs/keys.md", doc.as_str()),
        ("ca.pem", cert),
        ("src/keys.rs", src.as_str()),
    ];
    let hits = run("PVD-SECRET-001", &files);
    let got: Vec<_> = hits
        .iter()
        .map(|h| (h.file.to_string_lossy().into_owned(), h.line))
        .collect();
    assert_eq!(
        got,
        [
            ("deploy/tls.key".to_owned(), Some(1)),
            ("a/b.pem".to_owned(), Some(2)),
            ("me.ppk".to_owned(), Some(1)),
            ("src/keys.rs".to_owned(), Some(1)),
        ],
        "{}",
        all_text(&hits)
    );
    assert!(hits[0].message.starts_with("RSA private key"));
    assert!(!all_text(&hits).contains("MIIE"));
}

#[test]
fn binary_key_stores_by_name() {
    let mut files = vec![SourceFile::in_memory("README.md", "hi")];
    for (path, text) in [
        ("certs/app.p12", None),
        ("keys/id_rsa", None),
        ("logo.png", None),
        ("id_rsa.pub", Some("ssh-rsa AAAA")),
    ] {
        files.push(SourceFile {
            path: PathBuf::from(path),
            size: 10,
            executable: false,
            text: text.map(str::to_owned),
        });
    }
    let model = RepoModel::new(
        PathBuf::from("."),
        crate::guardrails::model::Model::build(files),
        None,
        Default::default(),
    );
    let hits = check_all(&model, &Params::default(), [rule("PVD-SECRET-001")]);
    let files: Vec<_> = hits
        .iter()
        .map(|h| h.file.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["certs/app.p12", "keys/id_rsa"]);
}

#[test]
fn allow_paths_and_paved_dir_are_skipped() {
    let key = pem_key("OPENSSH ");
    let files = [
        ("tests/fixtures/keys/a.pem", key.as_str()),
        (".paved/answers.toml", key.as_str()),
        ("tests/other.pem", key.as_str()),
    ];
    let table: toml::Table =
        toml::from_str("secret_allow_paths = [\"tests/fixtures/**\"]").unwrap();
    let hits = check_all(
        &RepoModel::from_memory(&files),
        &Params::new(table),
        [rule("PVD-SECRET-001")],
    );
    let files: Vec<_> = hits
        .iter()
        .map(|h| h.file.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["tests/other.pem"]);
}

#[test]
fn aws_keys() {
    let near = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        aws_id(),
        aws_secret()
    );
    let alone = format!("key: {}\n", aws_id());
    let docs = format!("{}EXAMPLE\n", "AKIAIOSFODNN7");
    let files = [
        ("creds", near.as_str()),
        ("b.yml", alone.as_str()),
        ("c.md", docs.as_str()),
    ];
    let hits = run("PVD-SECRET-002", &files);
    assert_eq!(hits.len(), 2, "{}", all_text(&hits));
    assert_eq!(hits[0].line, Some(2));
    assert!(
        hits[0].message.contains("secret access key on line 3"),
        "{}",
        hits[0].message
    );
    assert!(!hits[1].message.contains("secret"));
    assert!(!all_text(&hits).contains(&aws_id()[4..]));
}

#[test]
fn service_tokens() {
    let gh = github_token();
    let gl = format!("{}-{}", "glpat", "x7Kd93LmQz0Rt5Vw2Nb8");
    let slack = format!("{}-{}", "xoxb", "2981734-5529173-Tq8Wz3Lk0PmN");
    let google = format!("{}{}", "AIza", "SyD8x-4Km2Qp9Lz7Tw3Vb6Nc1Hj5Rf0Gd2Y");
    let stripe = format!("{}_{}", "sk_live", "4eC39HqLyjWDarjtT1zdp7dc");
    let placeholder = format!("{}_{}", "ghp", "x".repeat(36));
    let text = format!("a={gh}\nb={gl}\nc={slack}\nd={google}\ne={stripe}\nf={placeholder}\n");
    let hits = run("PVD-SECRET-003", &[("config.txt", text.as_str())]);
    let mut lines: Vec<_> = hits.iter().filter_map(|h| h.line).collect();
    lines.sort();
    assert_eq!(lines, [1, 2, 3, 4, 5], "{}", all_text(&hits));
    assert!(!all_text(&hits).contains(&gh[4..]));
    assert!(run(
        "PVD-SECRET-003",
        &[("README.md", "tokens start with ghp_ or glpat-")]
    )
    .is_empty());
}

/// excalidraw's `.env.production`: the `apiKey` of a Firebase web config is the app's
/// public browser key. A Google key elsewhere in the file, or alone, is still reported.
#[test]
fn firebase_web_config_key_is_public() {
    let google = format!("{}{}", "AIza", "SyD8x-4Km2Qp9Lz7Tw3Vb6Nc1Hj5Rf0Gd2Y");
    let firebase = format!(
        "VITE_APP_FIREBASE_CONFIG='{{\"apiKey\":\"{google}\",\"authDomain\":\"demo.firebaseapp.com\",\"projectId\":\"demo\",\"messagingSenderId\":\"654800341332\"}}'\n"
    );
    assert!(run("PVD-SECRET-003", &[(".env.production", firebase.as_str())]).is_empty());
    let js = format!("const firebaseConfig = {{\n  apiKey: \"{google}\",\n  authDomain: \"demo.firebaseapp.com\",\n}};\n");
    assert!(run("PVD-SECRET-003", &[("src/firebase.js", js.as_str())]).is_empty());
    let alone = format!("MAPS_KEY={google}\n");
    assert_eq!(
        run("PVD-SECRET-003", &[("config.env", alone.as_str())]).len(),
        1
    );
}

#[test]
fn generic_credentials() {
    let q = '"';
    let text = [
        format!("password = {q}Zx9-qT4_pL2wRb{q}"),
        format!("DB_PASSWORD = {q}${{DB_PASSWORD}}{q}"),
        format!("api_key: {q}changeme-please{q}"),
        format!("token_url = {q}https://idp.acme.io/token{q}"),
        format!("secret = {q}MY_SECRET_NAME{q}"),
        format!("const API_TOKEN: &str = {q}h7Gd2kLq9ZpX4vN1{q};"),
        format!("if token == {q}Kd83hs92Lq0z{q} {{}}"),
        format!("{q}client_secret{q}: {q}e3Fz9Qm2Lx7Wv4Rt{q},"),
        format!("let token = {q}{}{q};", github_token()),
        format!("let mut tokens = {q}tuple.0.0{q}.parse();"),
        format!("password: {q}db.internal.acme-corp.net{q}"),
    ]
    .join("\n");
    let hits = run("PVD-SECRET-004", &[("src/config.rs", text.as_str())]);
    let lines: Vec<_> = hits.iter().filter_map(|h| h.line).collect();
    assert_eq!(lines, [1, 6, 8], "{}", all_text(&hits));
    assert!(hits[0].message.contains("Zx9-…"));
    assert!(!all_text(&hits).contains("qT4_pL2w"));
}

#[test]
fn generic_credentials_in_config_files() {
    let yaml = "db:\n  password: Hq8zL3mX0pWt # rotated yearly\n  password_file: /run/secrets/db\n  token: ${{ secrets.TOKEN }}\n";
    let hits = run("PVD-SECRET-004", &[("deploy/values.yaml", yaml)]);
    assert_eq!(
        hits.iter().map(|h| h.line).collect::<Vec<_>>(),
        [Some(2)],
        "{}",
        all_text(&hits)
    );
    let env = "export AWS_SECRET_ACCESS_KEY=9fKq2LmZx8Wt4Rv7Np1B\nAPI_KEY=your-api-key\nSECRET=#a9Kq#2Lm\n";
    let hits = run("PVD-SECRET-004", &[(".env.local", env)]);
    assert_eq!(
        hits.iter().map(|h| h.line).collect::<Vec<_>>(),
        [Some(1), Some(3)]
    );
    // Unquoted values in source code are expressions, not literals.
    let rs = "let password = Hq8zL3mX0pWt;\n";
    assert!(run("PVD-SECRET-004", &[("src/a.rs", rs)]).is_empty());
    assert!(run(
        "PVD-SECRET-004",
        &[("Cargo.lock", "token = \"Hq8zL3mX0pWtQ\"")]
    )
    .is_empty());
}

#[test]
fn jwts() {
    let real = jwt(r#"{"iss":"https://login.acme.io","sub":"u-81723","exp":1893456000}"#);
    let sample = jwt(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#);
    let no_claims = jwt(r#"{"hello":"world"}"#);
    let text = format!("a: {real}\nb: {sample}\nc: {no_claims}\n");
    let hits = run("PVD-SECRET-005", &[("fixtures.yml", text.as_str())]);
    assert_eq!(hits.len(), 1, "{}", all_text(&hits));
    assert_eq!(hits[0].line, Some(1));
    assert!(hits[0].message.contains("eyJh…"));
    // A JWT is not also reported as a generic credential.
    let assigned = format!("token = \"{real}\"");
    assert!(run("PVD-SECRET-004", &[("a.py", assigned.as_str())]).is_empty());
}

#[test]
fn hostile_text_does_not_panic() {
    let long = "a".repeat(100_000);
    let texts = [
        "-----BEGIN RSA PRIVATE KEY-----é".to_owned(),
        format!("password = \"{long}\""),
        format!("{}{}", "eyJ", "é".repeat(50)),
        "\u{0}\u{ffff}token=\u{1F600}\u{1F600}\u{1F600}\u{1F600}".to_owned(),
    ];
    for t in &texts {
        let files = [("x.yaml", t.as_str())];
        let model = RepoModel::from_memory(&files);
        let _ = check_all(&model, &Params::default(), rules());
    }
    assert!(base64_decode("a\u{e9}").is_none());
}

fn lines_of(hits: &[Hit]) -> Vec<u32> {
    hits.iter().filter_map(|h| h.line).collect()
}

#[test]
fn one_value_repeated_in_a_file_is_one_finding_with_a_count() {
    let gh = github_token();
    let text = format!("a: {gh}\nb: {gh}\nc: {gh}\n");
    let hits = run("PVD-SECRET-003", &[("config.yml", text.as_str())]);
    assert_eq!(lines_of(&hits), [1], "{}", all_text(&hits));
    assert!(
        hits[0]
            .message
            .ends_with("(the same value appears 3 times in this file)"),
        "{}",
        hits[0].message
    );
    let text = "- password: \"Zx9-qT4_pL2wRb\"\n- password: \"Zx9-qT4_pL2wRb\"\n- password: \"Hq8zL3mX0pWt\"\n";
    let hits = run("PVD-SECRET-004", &[("users.yml", text)]);
    assert_eq!(lines_of(&hits), [1, 3], "{}", all_text(&hits));
    assert!(hits[0].message.contains("2 times") && !hits[1].message.contains("times"));
}

/// A recorded vcrpy cassette of analytics calls: the project key in every request
/// body is the SDK's public ingestion key, not a credential.
#[test]
fn analytics_ingestion_keys_are_not_credentials() {
    let mut cassette = String::from("interactions:\n");
    for i in 0..6 {
        cassette.push_str(&format!(
            "- request:\n    body: '{{\"api_key\": \"a3f9c2e71b5d4e08f6a2c9d1e7b3f5a8\", \"events\": [{{\"event_type\": \"e{i}\"}}]}}'\n    headers:\n      Content-Type: [application/json]\n    method: POST\n    uri: https://api2.amplitude.com/2/httpapi\n  response:\n    status: {{code: 200, message: OK}}\n"
        ));
    }
    let posthog = format!("{}_{}", "phc", "Kq2Lz9Xw4Tn8Vb3Mc6Pd1Hs5Jf0Ga2Ye7UiR7kq2L");
    let js = format!(
        "const config = {{\n  segmentWriteKey: \"Zx9qT4pL2wRbHq8zL3mX0pWt\",\n  posthogKey: \"{posthog}\",\n  apiKey: \"{posthog}\",\n  measurementId: \"G-7QX2K9LMZ3\",\n  mixpanelToken: \"e3Fz9Qm2Lx7Wv4Rt8Kd83hs9\",\n  AMPLITUDE_API_KEY: \"b71d4e08f6a2c9d1e7b3f5a8\",\n  sentry_key: \"9c2e71b5d4e08f6a2c9d1e7b\",\n}};\n"
    );
    let files = [
        ("tests/cassettes/test_track_events.yaml", cassette.as_str()),
        ("web/src/analytics.js", js.as_str()),
    ];
    let hits = run("PVD-SECRET-004", &files);
    assert!(hits.is_empty(), "{}", all_text(&hits));
    // The same key names beside anything else are still credentials.
    let text = "payment:\n  api_key: \"a3f9c2e71b5d4e08f6a2c9d1e7b3f5a8\"\n  uri: https://api.payments.acme.io/v1\n";
    assert_eq!(run("PVD-SECRET-004", &[("config.yml", text)]).len(), 1);
    // A key named like a secret is never public, even beside an analytics host.
    let text =
        "segment_client_secret: \"a3f9c2e71b5d4e08f6a2c9d1e7b3f5a8\"\nhost: api.segment.io\n";
    assert_eq!(run("PVD-SECRET-004", &[("config.yml", text)]).len(), 1);
}

#[test]
fn aws_secret_keys_assigned_in_shell_and_config() {
    let secret = aws_secret();
    let files = [
        ("scripts/deploy.sh", format!("#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY={secret}\naws s3 ls\n")),
        ("Dockerfile", format!("FROM alpine\nRUN export AWS_SECRET_ACCESS_KEY=\"{secret}\" && ./fetch\n")),
        ("main.tf", format!("resource \"aws_instance\" \"a\" {{\n  user_data = <<-EOT\n    #!/bin/bash\n    export AWS_SECRET_ACCESS_KEY={secret}\n  EOT\n}}\n")),
        (".github/workflows/ci.yml", format!("jobs:\n  a:\n    steps:\n      - run: aws s3 sync . s3://b\n        env:\n          AWS_SECRET_ACCESS_KEY: {secret}\n")),
        ("docs/setup.md", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".to_owned()),
        ("scripts/ok.sh", "export AWS_SECRET_ACCESS_KEY=\"$(vault read -field=key aws/creds)\"\n".to_owned()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let hits = run("PVD-SECRET-002", &files);
    let got: Vec<_> = hits
        .iter()
        .map(|h| (h.file.to_string_lossy().into_owned(), h.line))
        .collect();
    assert_eq!(
        got,
        [
            ("scripts/deploy.sh".to_owned(), Some(2)),
            ("Dockerfile".to_owned(), Some(2)),
            ("main.tf".to_owned(), Some(4)),
            (".github/workflows/ci.yml".to_owned(), Some(6)),
        ],
        "{}",
        all_text(&hits)
    );
    assert!(hits[0]
        .message
        .starts_with("AWS secret access key assigned to `AWS_SECRET_ACCESS_KEY`: wJal…"));
    assert!(!all_text(&hits).contains(&secret[4..]));
    // Reported once: the generic rule leaves a named AWS secret to PVD-SECRET-002.
    assert!(run("PVD-SECRET-004", &files[..4]).is_empty());
    // A key id with its secret nearby is one finding, not two.
    let near = format!(
        "aws_access_key_id = {}\naws_secret_access_key = {secret}\n",
        aws_id()
    );
    assert_eq!(run("PVD-SECRET-002", &[("creds", near.as_str())]).len(), 1);
}

#[test]
fn literal_passwords_in_hcl_yaml_and_json() {
    let hcl = "resource \"aws_db_instance\" \"a\" {\n  password = \"supersecret99\"\n}\nresource \"aws_db_instance\" \"b\" {\n  password = var.db_password\n}\nresource \"x\" \"c\" {\n  password = \"${random_password.db.result}\"\n}\n";
    let yaml = "db:\n  password: kittens2024\n  admin_password: postgres\n  replica_password: ${REPLICA_PASSWORD}\n  other_password: '{{ .Values.pw }}'\n";
    let json = "{\n  \"adminPassword\": \"MySecretPass1\",\n  \"passwordFile\": \"/run/secrets/pw\",\n  \"password\": \"\"\n}\n";
    let files = [
        ("infra/main.tf", hcl),
        ("deploy/values.yaml", yaml),
        ("config/app.json", json),
        ("tests/config/app.json", json),
    ];
    let hits = run("PVD-SECRET-004", &files);
    let got: Vec<_> = hits
        .iter()
        .map(|h| (h.file.to_string_lossy().into_owned(), h.line))
        .collect();
    assert_eq!(
        got,
        [
            ("infra/main.tf".to_owned(), Some(2)),
            ("deploy/values.yaml".to_owned(), Some(2)),
            ("config/app.json".to_owned(), Some(2)),
        ],
        "{}",
        all_text(&hits)
    );
    // Lower-case words under `passwordSecret` name a Secret; under `password` they are
    // the password.
    let yaml = "auth:\n  passwordSecret: postgres-credentials\n  password: correcthorse\n";
    let hits = run("PVD-SECRET-004", &[("deploy/values.yaml", yaml)]);
    assert_eq!(lines_of(&hits), [3], "{}", all_text(&hits));
}

#[test]
fn configmap_passwords() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  POSTGRES_USER: app\n  POSTGRES_PASSWORD: kittens2024\n  POSTGRES_HOST: db\n";
    let hits = run("PVD-SECRET-004", &[("deploy/k8s/config.yaml", text)]);
    assert_eq!(lines_of(&hits), [7], "{}", all_text(&hits));
    assert!(hits[0]
        .message
        .starts_with("`POSTGRES_PASSWORD` is assigned a literal"));
}

fn b64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let n = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

#[test]
fn kubernetes_secret_data_is_decoded() {
    let key = pem_key("RSA ");
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: {}\n  password: {}\n  tls.key: {}\n  tls.crt: {}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: template\nstringData:\n  password: ${{DB_PASSWORD}}\n  token: changeme\ndata:\n  empty: \"\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\nstringData:\n  password: Zx9-qT4_pL2wRb\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sealed\ndata:\n  password: ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]\nsops:\n  version: 3.8.1\n",
        b64("app"),
        b64("Tr0ub4dor-and-3"),
        b64(&key),
        b64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
    );
    let files = [("deploy/k8s/secret.yaml", text.as_str())];
    let hits = run("PVD-SECRET-006", &files);
    assert_eq!(lines_of(&hits), [7, 27], "{}", all_text(&hits));
    assert_eq!(
        hits[0].message,
        "Secret `db` commits 3 literal values to git: `data.username` (a 3-character value), `data.password` (a 15-character value), `data.tls.key` (a private key)"
    );
    assert!(hits[1].message.contains("`stringData.password`"));
    // The generic rule leaves Secret objects to PVD-SECRET-006.
    assert!(run("PVD-SECRET-004", &files).is_empty());
}

#[test]
fn connection_uris_with_passwords() {
    let text = [
        "DATABASE_URL=postgresql://app:Tr0ub4dor-and-3@db.internal.acme.io:5432/app",
        "MONGO: mongodb+srv://svc:q8Zr2LmX0pWt@cluster0.ab1cd.mongodb.net/prod",
        "cache: redis://:Hq8zL3mX0pWt@cache.acme.io:6379/0",
        "amqp://worker:Kd83hs92Lq0z@mq.acme.io:5672/",
        "local: postgres://postgres:postgres@localhost:5432/app",
        "docs: postgresql://user:password@host/db",
        "env: postgres://app:${DB_PASSWORD}@db/app",
        "guest: amqp://guest:guest@rabbitmq:5672/",
        "nopass: postgres://app@db.internal/app",
        "example: mysql://root:Xk29fLq8@db.example.com/app",
        "again: postgresql://app:Tr0ub4dor-and-3@db.internal.acme.io:5432/app",
    ]
    .join("\n");
    let hits = run("PVD-SECRET-007", &[("deploy/app.env.yaml", text.as_str())]);
    assert_eq!(lines_of(&hits), [1, 2, 3, 4], "{}", all_text(&hits));
    assert_eq!(
        hits[0].message,
        "`postgresql` connection URI to db.internal.acme.io carries the password of `app`: Tr0u… (15 characters) (the same value appears 2 times in this file)"
    );
    assert!(hits[2].message.contains("redis") && !hits[2].message.contains(" of `"));
    assert!(!all_text(&hits).contains("q8Zr2"));
}

/// Seen in paved's own tests: a constant naming a source file is not a credential.
#[test]
fn relative_file_paths_are_not_credentials() {
    let text = "const API_KEY: &str = \"src/app/auth/api_key.py\";\nconst TOKEN_FILE: &str = \"a/b.json\";\n";
    assert!(run("PVD-SECRET-004", &[("tests/e2e/scan.rs", text)]).is_empty());
}

/// A Secret holding only a user name and a stand-in password commits nothing secret.
#[test]
fn kubernetes_secret_of_descriptors_only() {
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: {}\n  password: {}\n",
        b64("admin"),
        b64("password")
    );
    assert!(run("PVD-SECRET-006", &[("k8s/secret.yaml", text.as_str())]).is_empty());
}
