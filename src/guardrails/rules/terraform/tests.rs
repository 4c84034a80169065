use super::rules;
use crate::guardrails::model::RepoContext;
use crate::guardrails::{check_all, Params, RepoModel};

/// The hardened module a generated service ships: IRSA role with a least-privilege
/// policy, ECR immutable + scan + KMS, log group with KMS and 365 days, KMS rotation,
/// private buckets with every protection, only 443 open to the world.
pub const GOLDEN: &str = include_str!("../../../../tests/fixtures/rules/terraform/golden/main.tf");

type Hits = Vec<(&'static str, String, Option<u32>)>;

fn model(files: &[(&str, &str)], exposure: Option<&str>) -> RepoModel {
    RepoModel::from_memory(files).with_context(RepoContext {
        exposure: exposure.map(str::to_owned),
        ..RepoContext::default()
    })
}

fn run_model(m: &RepoModel, params: &Params) -> Hits {
    assert!(
        m.model().parse_warnings().is_empty(),
        "{:?}",
        m.model().parse_warnings()
    );
    check_all(m, params, rules())
        .into_iter()
        .map(|h| (h.rule, h.file.to_string_lossy().into_owned(), h.line))
        .collect()
}

fn run(tf: &str) -> Vec<(&'static str, Option<u32>)> {
    run_model(&model(&[("infra/main.tf", tf)], None), &Params::default())
        .into_iter()
        .map(|(r, _, l)| (r, l))
        .collect()
}

/// 1-based line where the first occurrence of `needle` starts.
fn line_of(text: &str, needle: &str) -> u32 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    text[..at].matches('\n').count() as u32 + 1
}

fn fires(tf: &str, rule: &str, needle: &str) {
    let line = line_of(tf, needle);
    let hits = run(tf);
    assert!(
        hits.iter().any(|h| h.0 == rule && h.1 == Some(line)),
        "expected {rule} at line {line} (`{needle}`), got {hits:?}\n---\n{tf}"
    );
}

fn quiet(tf: &str, rule: &str) {
    let hits = run(tf);
    assert!(
        !hits.iter().any(|h| h.0 == rule),
        "{rule} fired unexpectedly: {hits:?}\n---\n{tf}"
    );
}

#[test]
fn golden_module_is_clean() {
    assert_eq!(run(GOLDEN), vec![]);
    // Clean also for an internal service once the world-open listener is gone.
    let internal = GOLDEN.replace(r#""0.0.0.0/0""#, "var.vpc_cidr");
    let m = model(&[("main.tf", &internal)], Some("internal"));
    assert_eq!(run_model(&m, &Params::default()), vec![]);
}

#[test]
fn golden_weakened_variants_hit_the_expected_line() {
    // (replace, with, rule, line marker in the weakened text)
    let variants: &[(&str, &str, &str, &str)] = &[
        ("enable_key_rotation     = true", "enable_key_rotation     = false", "PVD-TF-018", "enable_key_rotation"),
        ("  retention_in_days = 365\n", "  retention_in_days = 30\n", "PVD-TF-017", "retention_in_days = 30"),
        ("  kms_key_id        = aws_kms_key.service.arn\n}\n\nresource \"aws_ecr", "}\n\nresource \"aws_ecr", "PVD-TF-016", "resource \"aws_cloudwatch_log_group\""),
        ("\"IMMUTABLE\"", "\"MUTABLE\"", "PVD-TF-019", "image_tag_mutability"),
        ("scan_on_push = true", "scan_on_push = false", "PVD-TF-020", "scan_on_push"),
        ("encryption_type = \"KMS\"", "encryption_type = \"AES256\"", "PVD-TF-021", "encryption_type"),
        ("actions   = [\"secretsmanager:GetSecretValue\"]", "actions   = [\"secretsmanager:*\"]", "PVD-TF-002", "secretsmanager:*"),
        ("actions   = [\"secretsmanager:GetSecretValue\"]", "actions   = [\"*\"]", "PVD-TF-001", "actions   = [\"*\"]"),
        ("resources = [var.secret_arn]", "resources = [\"*\"] # weakened", "PVD-TF-003", "# weakened"),
        ("policy_arn = aws_iam_policy.service.arn", "policy_arn = \"arn:aws:iam::aws:policy/AdministratorAccess\"", "PVD-TF-005", "AdministratorAccess"),
        ("from_port         = 443\n  to_port           = 443", "from_port         = 8080\n  to_port           = 8080", "PVD-TF-011", "\"0.0.0.0/0\""),
        ("from_port         = 443\n  to_port           = 443", "from_port         = 22\n  to_port           = 22", "PVD-TF-012", "\"0.0.0.0/0\""),
        ("  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"data\"", "  ignore_public_acls      = false\n  restrict_public_buckets = true\n}\n\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"data\"", "PVD-TF-007", "ignore_public_acls      = false"),
        ("  bucket = \"demo-svc-data\"\n", "  bucket = \"demo-svc-data\"\n  acl    = \"public-read\"\n", "PVD-TF-006", "public-read"),
        ("versioning_configuration {\n    status = \"Enabled\"", "versioning_configuration {\n    status = \"Suspended\"", "PVD-TF-009", "resource \"aws_s3_bucket_versioning\" \"data\""),
        ("  region = var.region\n", "  region     = var.region\n  access_key = \"AKIAIOSFODNN7EXAMPLE\"\n", "PVD-TF-027", "access_key"),
    ];
    for (from, to, rule, marker) in variants {
        assert!(GOLDEN.contains(from), "golden lacks {from}");
        let weakened = GOLDEN.replacen(from, to, 1);
        let line = line_of(&weakened, marker);
        let hits = run(&weakened);
        assert!(
            hits == vec![(*rule, Some(line))],
            "variant `{to}`: expected {rule} at {line}, got {hits:?}"
        );
    }
    // Dropping the encryption configuration points at the bucket header.
    let start = GOLDEN
        .find("resource \"aws_s3_bucket_server_side_encryption_configuration\" \"data\"")
        .unwrap();
    let end = GOLDEN[start..].find("\n}\n").unwrap() + start + 3;
    let weakened = format!("{}{}", &GOLDEN[..start], &GOLDEN[end..]);
    assert_eq!(
        run(&weakened),
        vec![(
            "PVD-TF-008",
            Some(line_of(&weakened, "resource \"aws_s3_bucket\" \"data\""))
        )]
    );
}

#[test]
fn r001_r002_r003_wildcards_in_every_policy_form() {
    let tf = r#"
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["*"]
    resources = ["arn:aws:s3:::b/*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}
resource "aws_iam_policy" "j" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = "*" }]
  })
}
resource "aws_iam_role_policy" "h" {
  role   = aws_iam_role.r.id
  policy = <<EOF
{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "${aws_s3_bucket.b.arn}"}}
EOF
}
resource "aws_iam_user_policy" "s" {
  user   = "bob"
  policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}]}"
}
resource "aws_iam_role" "r" {
  name = "r"
  inline_policy {
    name   = "x"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
  }
}
"#;
    fires(tf, "PVD-TF-001", "actions   = [\"*\"]");
    fires(tf, "PVD-TF-001", "policy = <<EOF");
    fires(tf, "PVD-TF-001", "policy = jsonencode({ Statement");
    // jsonencode statements point at their own object.
    fires(
        tf,
        "PVD-TF-002",
        "Statement = [{ Effect = \"Allow\", Action = [\"s3:*\"]",
    );
    fires(tf, "PVD-TF-002", "policy = \"{");
    fires(
        tf,
        "PVD-TF-003",
        "Statement = [{ Effect = \"Allow\", Action = [\"s3:*\"]",
    );
    fires(tf, "PVD-TF-003", "policy = \"{");
    let hits = run(tf);
    // The Deny statement never counts; neither does the bucket-scoped first statement.
    let deny_line = line_of(tf, "effect    = \"Deny\"");
    assert!(
        !hits
            .iter()
            .any(|h| h.1.is_some_and(|l| (deny_line..deny_line + 3).contains(&l))),
        "{hits:?}"
    );
    assert!(!hits.contains(&("PVD-TF-003", Some(line_of(tf, "arn:aws:s3:::b/*")))));
    quiet(
        "data \"aws_iam_policy_document\" \"k\" {\n  statement {\n    actions = [\"kms:*\"]\n    resources = [\"*\"]\n    principals {\n      type = \"AWS\"\n      identifiers = [\"arn:aws:iam::111122223333:root\"]\n    }\n  }\n}\n",
        "PVD-TF-002",
    );
    quiet(
        "resource \"aws_iam_policy\" \"p\" {\n  policy = data.aws_iam_policy_document.x.json\n}\n",
        "PVD-TF-001",
    );
    let star_star = "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Action = \"*:*\", Resource = \"arn:aws:s3:::b\" }] })\n}\n";
    fires(star_star, "PVD-TF-001", "policy = jsonencode");
    quiet(star_star, "PVD-TF-002");
    quiet(
        "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"ecr:GetAuthorizationToken\", \"ec2:DescribeInstances\"]\n    resources = [\"*\"]\n  }\n}\n",
        "PVD-TF-003",
    );
}

#[test]
fn r004_user_policies() {
    let tf = "resource \"aws_iam_user_policy_attachment\" \"a\" {\n  user = \"bob\"\n  policy_arn = aws_iam_policy.p.arn\n}\nresource \"aws_iam_policy_attachment\" \"b\" {\n  name = \"b\"\n  users = [\"bob\"]\n  policy_arn = aws_iam_policy.p.arn\n}\n";
    fires(tf, "PVD-TF-004", "aws_iam_user_policy_attachment");
    fires(tf, "PVD-TF-004", "users = ");
    quiet("resource \"aws_iam_group_policy_attachment\" \"a\" {\n  group = \"devs\"\n  policy_arn = aws_iam_policy.p.arn\n}\n", "PVD-TF-004");
}

#[test]
fn r005_admin() {
    let tf = "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n  managed_policy_arns = [\"arn:aws:iam::aws:policy/AdministratorAccess\"]\n}\n";
    fires(tf, "PVD-TF-005", "managed_policy_arns");
    quiet("resource \"aws_iam_role_policy_attachment\" \"r\" {\n  role = \"r\"\n  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}\n", "PVD-TF-005");
}

#[test]
fn r006_public_acl() {
    let tf = "resource \"aws_s3_bucket_acl\" \"a\" {\n  bucket = aws_s3_bucket.b.id\n  acl    = \"public-read-write\"\n}\n";
    fires(tf, "PVD-TF-006", "acl    =");
    quiet("resource \"aws_s3_bucket_acl\" \"a\" {\n  bucket = aws_s3_bucket.b.id\n  acl    = \"private\"\n}\n", "PVD-TF-006");
}

const BUCKET: &str = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"my-bucket\"\n}\n";

#[test]
fn r007_public_access_block() {
    fires(BUCKET, "PVD-TF-007", "resource \"aws_s3_bucket\" \"b\"");
    let partial = format!("{BUCKET}resource \"aws_s3_bucket_public_access_block\" \"b\" {{\n  bucket = \"my-bucket\"\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n}}\n");
    fires(
        &partial,
        "PVD-TF-007",
        "resource \"aws_s3_bucket_public_access_block\"",
    );
    // Another bucket's block does not count.
    let other = format!("{BUCKET}resource \"aws_s3_bucket_public_access_block\" \"o\" {{\n  bucket = aws_s3_bucket.other.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}}\n");
    fires(&other, "PVD-TF-007", "resource \"aws_s3_bucket\" \"b\"");
    // Counted buckets are matched through their index.
    let counted = "resource \"aws_s3_bucket\" \"b\" {\n  count = 2\n}\nresource \"aws_s3_bucket_public_access_block\" \"b\" {\n  count = 2\n  bucket = aws_s3_bucket.b[count.index].id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n";
    quiet(counted, "PVD-TF-007");
    // A bucket whose name merely starts the same is another bucket.
    let prefix = "resource \"aws_s3_bucket\" \"b\" {}\nresource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = aws_s3_bucket.b2.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n";
    fires(prefix, "PVD-TF-009", "resource \"aws_s3_bucket\" \"b\"");
    // Unknown target (for_each): assumed to cover.
    let each = format!("{BUCKET}resource \"aws_s3_bucket_public_access_block\" \"e\" {{\n  for_each = toset(var.buckets)\n  bucket = each.value\n}}\n");
    quiet(&each, "PVD-TF-007");
    let account = format!("{BUCKET}resource \"aws_s3_account_public_access_block\" \"a\" {{\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}}\n");
    quiet(&account, "PVD-TF-007");
    // A block in another module does not count.
    let m = model(
        &[
            ("a/main.tf", BUCKET),
            ("b/main.tf", "resource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n"),
        ],
        None,
    );
    let hits = run_model(&m, &Params::default());
    assert!(
        hits.contains(&("PVD-TF-007", "a/main.tf".into(), Some(1))),
        "{hits:?}"
    );
}

#[test]
fn r008_r009_r010_bucket_protection() {
    fires(BUCKET, "PVD-TF-008", "resource \"aws_s3_bucket\"");
    fires(BUCKET, "PVD-TF-009", "resource \"aws_s3_bucket\"");
    fires(BUCKET, "PVD-TF-010", "resource \"aws_s3_bucket\"");
    let legacy = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  versioning {\n    enabled = true\n  }\n  logging {\n    target_bucket = \"logs\"\n  }\n  server_side_encryption_configuration {\n    rule {}\n  }\n}\n";
    quiet(legacy, "PVD-TF-008");
    quiet(legacy, "PVD-TF-009");
    quiet(legacy, "PVD-TF-010");
    let off = legacy.replace("enabled = true", "enabled = false");
    fires(&off, "PVD-TF-009", "resource \"aws_s3_bucket\"");
}

#[test]
fn r011_r012_ingress() {
    let tf = r#"
resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 0
  to_port     = 65535
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.s.id
}
resource "aws_vpc_security_group_ingress_rule" "db" {
  security_group_id = aws_security_group.s.id
  cidr_ipv6   = "::/0"
  from_port   = 5432
  to_port     = 5432
  ip_protocol = "tcp"
}
resource "aws_vpc_security_group_ingress_rule" "all" {
  security_group_id = aws_security_group.s.id
  cidr_ipv4   = "0.0.0.0/0"
  ip_protocol = "-1"
}
resource "aws_vpc_security_group_ingress_rule" "web" {
  security_group_id = aws_security_group.s.id
  cidr_ipv4   = "0.0.0.0/0"
  from_port   = 443
  to_port     = 443
  ip_protocol = "tcp"
}
resource "aws_security_group_rule" "egress" {
  type        = "egress"
  from_port   = 0
  to_port     = 0
  protocol    = "-1"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.s.id
}
"#;
    fires(tf, "PVD-TF-012", "cidr_blocks = [\"0.0.0.0/0\"]");
    fires(tf, "PVD-TF-011", "::/0");
    fires(
        tf,
        "PVD-TF-012",
        "cidr_ipv4   = \"0.0.0.0/0\"\n  ip_protocol = \"-1\""
            .split('\n')
            .next()
            .unwrap(),
    );
    let hits = run(tf);
    let web_line = line_of(tf, "from_port   = 443") - 1;
    assert!(!hits.iter().any(|h| h.1 == Some(web_line)), "{hits:?}");
    assert!(
        !hits
            .iter()
            .any(|h| h.1 == Some(line_of(tf, "\"egress\"") + 5)),
        "{hits:?}"
    );
    // 443 becomes a finding for an internal service.
    let web = "resource \"aws_vpc_security_group_ingress_rule\" \"web\" {\n  security_group_id = \"sg\"\n  cidr_ipv4   = \"0.0.0.0/0\"\n  from_port   = 443\n  to_port     = 443\n  ip_protocol = \"tcp\"\n}\n";
    quiet(web, "PVD-TF-011");
    let internal = run_model(
        &model(&[("main.tf", web)], Some("internal")),
        &Params::default(),
    );
    assert_eq!(internal, vec![("PVD-TF-011", "main.tf".into(), Some(3))]);
    // The public ports parameter.
    let params = Params::new(toml::from_str("public_ingress_ports = [80]").unwrap());
    let hits = run_model(&model(&[("main.tf", web)], None), &params);
    assert_eq!(hits, vec![("PVD-TF-011", "main.tf".into(), Some(3))]);
    // Port 80 of a load balancer's group is where HTTP is redirected (PVD-TF-040 judges
    // the listener); the same port on a group no load balancer uses is a finding.
    let http = "resource \"aws_security_group\" \"lb\" {\n  ingress {\n    from_port   = 80\n    to_port     = 80\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
    fires(http, "PVD-TF-011", "cidr_blocks");
    let fronted = format!("{http}resource \"aws_lb\" \"web\" {{\n  security_groups = [aws_security_group.lb.id]\n}}\n");
    quiet(&fronted, "PVD-TF-011");
    fires(
        &fronted.replace("= 80", "= 8080"),
        "PVD-TF-011",
        "cidr_blocks",
    );
    // Unknown ports never produce a finding.
    quiet("resource \"aws_vpc_security_group_ingress_rule\" \"v\" {\n  cidr_ipv4 = \"0.0.0.0/0\"\n  from_port = var.p\n  to_port = var.p\n  ip_protocol = \"tcp\"\n}\n", "PVD-TF-011");
    quiet("resource \"aws_security_group\" \"s\" {\n  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n}\n", "PVD-TF-012");
}

#[test]
fn r013_ebs() {
    fires(
        "resource \"aws_ebs_volume\" \"v\" {\n  size = 10\n}\n",
        "PVD-TF-013",
        "aws_ebs_volume",
    );
    fires("resource \"aws_instance\" \"i\" {\n  root_block_device {\n    encrypted = false\n  }\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n", "PVD-TF-013", "encrypted = false");
    quiet(
        "resource \"aws_ebs_volume\" \"v\" {\n  encrypted = true\n}\n",
        "PVD-TF-013",
    );
    quiet("resource \"aws_ebs_encryption_by_default\" \"d\" {\n  enabled = true\n}\nresource \"aws_ebs_volume\" \"v\" {\n  size = 1\n}\n", "PVD-TF-013");
}

#[test]
fn r014_r015_rds() {
    let tf = "resource \"aws_db_instance\" \"d\" {\n  engine = \"postgres\"\n  publicly_accessible = true\n}\n";
    fires(tf, "PVD-TF-014", "aws_db_instance");
    fires(tf, "PVD-TF-015", "publicly_accessible");
    let good = "resource \"aws_db_instance\" \"d\" {\n  storage_encrypted = true\n  publicly_accessible = false\n}\nresource \"aws_rds_cluster\" \"c\" {\n  storage_encrypted = var.enc\n}\n";
    quiet(good, "PVD-TF-014");
    quiet(good, "PVD-TF-015");
}

#[test]
fn r016_r017_log_groups() {
    let tf = "resource \"aws_cloudwatch_log_group\" \"l\" {\n  name = \"x\"\n}\n";
    fires(tf, "PVD-TF-016", "aws_cloudwatch_log_group");
    fires(tf, "PVD-TF-017", "aws_cloudwatch_log_group");
    fires(
        "resource \"aws_cloudwatch_log_group\" \"l\" {\n  retention_in_days = 0\n}\n",
        "PVD-TF-017",
        "retention_in_days",
    );
    let good = "resource \"aws_cloudwatch_log_group\" \"l\" {\n  kms_key_id = aws_kms_key.k.arn\n  retention_in_days = 400\n}\n";
    quiet(good, "PVD-TF-016");
    quiet(good, "PVD-TF-017");
    let params = Params::new(toml::from_str("log_retention_days = 731").unwrap());
    let hits = run_model(&model(&[("m.tf", good)], None), &params);
    assert_eq!(hits, vec![("PVD-TF-017", "m.tf".into(), Some(3))]);
}

#[test]
fn r018_kms() {
    fires(
        "resource \"aws_kms_key\" \"k\" {\n  description = \"x\"\n}\n",
        "PVD-TF-018",
        "aws_kms_key",
    );
    quiet(
        "resource \"aws_kms_key\" \"k\" {\n  customer_master_key_spec = \"RSA_2048\"\n}\n",
        "PVD-TF-018",
    );
}

#[test]
fn r019_r020_r021_ecr() {
    let tf = "resource \"aws_ecr_repository\" \"r\" {\n  name = \"x\"\n}\n";
    fires(tf, "PVD-TF-019", "aws_ecr_repository");
    fires(tf, "PVD-TF-020", "aws_ecr_repository");
    fires(tf, "PVD-TF-021", "aws_ecr_repository");
    let with_registry_scan = format!("{tf}resource \"aws_ecr_registry_scanning_configuration\" \"s\" {{\n  scan_type = \"ENHANCED\"\n}}\n");
    quiet(&with_registry_scan, "PVD-TF-020");
    quiet(GOLDEN, "PVD-TF-019");
    quiet(GOLDEN, "PVD-TF-021");
}

#[test]
fn r022_r023_queues_topics() {
    fires(
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        "PVD-TF-022",
        "aws_sqs_queue",
    );
    fires(
        "resource \"aws_sqs_queue\" \"q\" {\n  sqs_managed_sse_enabled = false\n}\n",
        "PVD-TF-022",
        "sqs_managed_sse_enabled",
    );
    quiet(
        "resource \"aws_sqs_queue\" \"q\" {\n  kms_master_key_id = aws_kms_key.k.id\n}\n",
        "PVD-TF-022",
    );
    fires(
        "resource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n",
        "PVD-TF-023",
        "aws_sns_topic",
    );
    quiet(
        "resource \"aws_sns_topic\" \"t\" {\n  kms_master_key_id = \"alias/aws/sns\"\n}\n",
        "PVD-TF-023",
    );
}

#[test]
fn r024_eks() {
    fires(
        "resource \"aws_eks_cluster\" \"c\" {\n  vpc_config {\n    subnet_ids = var.s\n  }\n}\n",
        "PVD-TF-024",
        "vpc_config",
    );
    fires("resource \"aws_eks_cluster\" \"c\" {\n  vpc_config {\n    endpoint_public_access = true\n    public_access_cidrs = [\"0.0.0.0/0\"]\n  }\n}\n", "PVD-TF-024", "public_access_cidrs");
    quiet("resource \"aws_eks_cluster\" \"c\" {\n  vpc_config {\n    endpoint_public_access = false\n  }\n}\n", "PVD-TF-024");
    quiet("resource \"aws_eks_cluster\" \"c\" {\n  vpc_config {\n    public_access_cidrs = [\"203.0.113.0/24\"]\n  }\n}\n", "PVD-TF-024");
}

#[test]
fn r025_r026_cloudtrail() {
    let tf = "resource \"aws_cloudtrail\" \"t\" {\n  name = \"t\"\n  enable_log_file_validation = false\n}\n";
    fires(tf, "PVD-TF-025", "aws_cloudtrail");
    fires(tf, "PVD-TF-026", "enable_log_file_validation");
    let good = "resource \"aws_cloudtrail\" \"t\" {\n  is_multi_region_trail = true\n  enable_log_file_validation = true\n}\n";
    quiet(good, "PVD-TF-025");
    quiet(good, "PVD-TF-026");
}

#[test]
fn r027_provider_credentials() {
    fires("provider \"aws\" {\n  region = \"eu-west-1\"\n  secret_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n}\n", "PVD-TF-027", "secret_key");
    quiet(
        "provider \"aws\" {\n  access_key = var.access_key\n  secret_key = var.secret_key\n}\n",
        "PVD-TF-027",
    );
}

/// One problem, one finding: the key pair of a provider, the flags of one public
/// access block, and an administrator statement (Action and Resource "*").
#[test]
fn one_problem_is_one_finding() {
    let m = model(
        &[(
            "main.tf",
            "provider \"aws\" {\n  access_key = \"AKIAIOSFODNN7EXAMPLE\"\n  secret_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n}\n",
        )],
        None,
    );
    let hits = check_all(&m, &Params::default(), rules());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].line, Some(2));
    assert_eq!(
        hits[0].message,
        "provider \"aws\": literal `access_key`, `secret_key`"
    );

    let pab = format!("{BUCKET}resource \"aws_s3_bucket_public_access_block\" \"b\" {{\n  bucket = \"my-bucket\"\n  block_public_acls = true\n  ignore_public_acls = false\n}}\n");
    let m = model(&[("main.tf", &pab)], None);
    let hits: Vec<_> = check_all(&m, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == "PVD-TF-007")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].line, Some(4));
    assert_eq!(
        hits[0].message,
        "aws_s3_bucket_public_access_block.b: `block_public_policy` is not set (defaults to false); `ignore_public_acls = false`; `restrict_public_buckets` is not set (defaults to false)"
    );

    let admin = "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions   = [\"*\"]\n    resources = [\"*\"]\n  }\n}\n";
    let m = model(&[("main.tf", admin)], None);
    let hits = check_all(&m, &Params::default(), rules());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        (hits[0].rule, hits[0].line, hits[0].message.as_str()),
        (
            "PVD-TF-001",
            Some(3),
            "data.aws_iam_policy_document.d: Allow statement with Action \"*\" on Resource \"*\""
        )
    );
}

#[test]
fn r028_imdsv2() {
    fires(
        "resource \"aws_instance\" \"i\" {\n  ami = \"ami-1\"\n}\n",
        "PVD-TF-028",
        "aws_instance",
    );
    fires("resource \"aws_launch_template\" \"t\" {\n  metadata_options {\n    http_tokens = \"optional\"\n  }\n}\n", "PVD-TF-028", "http_tokens");
    quiet("resource \"aws_instance\" \"i\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n", "PVD-TF-028");
}

#[test]
fn r029_any_principal() {
    let tf = r#"
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" }]
  })
}
"#;
    fires(tf, "PVD-TF-029", "Statement = [{");
    // Resource policies are not identity policies: no wildcard findings from them.
    quiet(tf, "PVD-TF-003");
    let conditioned = "data \"aws_iam_policy_document\" \"p\" {\n  statement {\n    actions = [\"sqs:SendMessage\"]\n    resources = [\"*\"]\n    principals {\n      type = \"*\"\n      identifiers = [\"*\"]\n    }\n    condition {\n      test = \"ArnEquals\"\n      variable = \"aws:SourceArn\"\n      values = [aws_sns_topic.t.arn]\n    }\n  }\n}\n";
    quiet(conditioned, "PVD-TF-029");
    fires(&conditioned.replace("    condition {\n      test = \"ArnEquals\"\n      variable = \"aws:SourceArn\"\n      values = [aws_sns_topic.t.arn]\n    }\n", ""), "PVD-TF-029", "statement {");
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
fn malformed_terraform_is_a_warning_not_a_finding() {
    let m = RepoModel::from_memory(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n",
    )]);
    assert_eq!(m.model().parse_warnings().len(), 1);
    assert!(
        m.model().parse_warnings()[0].message.contains("line "),
        "{:?}",
        m.model().parse_warnings()
    );
    assert!(check_all(&m, &Params::default(), rules()).is_empty());
}

#[test]
fn r030_cloudtrail_kms() {
    fires(
        "resource \"aws_cloudtrail\" \"t\" {\n  name = \"t\"\n}\n",
        "PVD-TF-030",
        "aws_cloudtrail",
    );
    quiet(
        "resource \"aws_cloudtrail\" \"t\" {\n  kms_key_id = aws_kms_key.k.arn\n}\n",
        "PVD-TF-030",
    );
}

/// A module with one of almost everything; checkov flags the same resources
/// (CKV_AWS_41, 62/63, 355, 24, 17, 16, 7, 51, 163, 136, 158, 66/338, 27, 26, 79, 8,
/// 67, 36, 35).
#[test]
fn kitchen_sink_matches_checkov() {
    let tf = r#"provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAIOSFODNN7EXAMPLE"
  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "d" {
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
}
resource "aws_kms_key" "k" {}
resource "aws_ecr_repository" "r" { name = "x" }
resource "aws_cloudwatch_log_group" "l" { name = "x" }
resource "aws_sqs_queue" "q" { name = "q" }
resource "aws_sns_topic" "t" { name = "t" }
resource "aws_instance" "i" { ami = "ami-1" }
resource "aws_cloudtrail" "c" {
  name           = "c"
  s3_bucket_name = "b"
}
"#;
    let mut hits = run(tf);
    hits.sort();
    let mut expected = vec![
        // One finding for the key pair; Action and Resource "*" are one problem.
        ("PVD-TF-027", Some(3)),
        ("PVD-TF-001", Some(7)),
        ("PVD-TF-012", Some(14)),
        ("PVD-TF-014", Some(17)),
        ("PVD-TF-015", Some(20)),
        ("PVD-TF-018", Some(22)),
        ("PVD-TF-019", Some(23)),
        ("PVD-TF-020", Some(23)),
        ("PVD-TF-021", Some(23)),
        ("PVD-TF-016", Some(24)),
        ("PVD-TF-017", Some(24)),
        ("PVD-TF-022", Some(25)),
        ("PVD-TF-023", Some(26)),
        ("PVD-TF-013", Some(27)),
        ("PVD-TF-028", Some(27)),
        ("PVD-TF-025", Some(28)),
        ("PVD-TF-026", Some(28)),
        ("PVD-TF-030", Some(28)),
    ];
    expected.sort();
    assert_eq!(hits, expected);
}

/// Every truncation of the golden module parses (or becomes a warning) and runs
/// through every rule without panicking.
#[test]
fn truncated_modules_never_panic() {
    for (i, _) in GOLDEN.char_indices().step_by(7) {
        let m = RepoModel::from_memory(&[("main.tf", &GOLDEN[..i])]);
        let _ = check_all(&m, &Params::default(), rules());
    }
}

#[test]
fn r031_neptune() {
    fires(
        "resource \"aws_neptune_cluster\" \"g\" {\n  storage_encrypted = false\n}\n",
        "PVD-TF-031",
        "storage_encrypted",
    );
    // A restore takes the snapshot's encryption.
    quiet(
        "resource \"aws_neptune_cluster\" \"g\" {\n  snapshot_identifier = var.snap\n}\n",
        "PVD-TF-031",
    );
}

#[test]
fn r044_r045_neptune_access() {
    let public =
        "resource \"aws_neptune_cluster_instance\" \"i\" {\n  publicly_accessible = true\n}\n";
    fires(public, "PVD-TF-044", "publicly_accessible");
    // Unset is private (the default); a variable is not a literal `true`.
    quiet("resource \"aws_neptune_cluster_instance\" \"i\" {\n  instance_class = \"db.r6g.large\"\n}\n", "PVD-TF-044");
    quiet("resource \"aws_neptune_cluster_instance\" \"i\" {\n  publicly_accessible = var.public\n}\n", "PVD-TF-044");
    // IAM authentication: missing is reported at the cluster, `false` at the attribute.
    fires(
        "resource \"aws_neptune_cluster\" \"g\" {\n  storage_encrypted = true\n}\n",
        "PVD-TF-045",
        "aws_neptune_cluster",
    );
    fires("resource \"aws_neptune_cluster\" \"g\" {\n  iam_database_authentication_enabled = false\n}\n", "PVD-TF-045", "iam_database_authentication_enabled");
    quiet("resource \"aws_neptune_cluster\" \"g\" {\n  iam_database_authentication_enabled = true\n}\n", "PVD-TF-045");
    quiet("resource \"aws_neptune_cluster\" \"g\" {\n  iam_database_authentication_enabled = var.iam\n}\n", "PVD-TF-045");
}

#[test]
fn r032_r033_r034_search_domains_of_both_kinds() {
    let es = "resource \"aws_elasticsearch_domain\" \"e\" {\n  domain_name = \"e\"\n}\n";
    fires(es, "PVD-TF-032", "aws_elasticsearch_domain");
    fires(es, "PVD-TF-033", "aws_elasticsearch_domain");
    fires(es, "PVD-TF-034", "aws_elasticsearch_domain");
    let good = "resource \"aws_opensearch_domain\" \"o\" {\n  encrypt_at_rest {\n    enabled = true\n  }\n  node_to_node_encryption {\n    enabled = var.n2n\n  }\n  domain_endpoint_options {\n    enforce_https = true\n  }\n}\n";
    for rule in ["PVD-TF-032", "PVD-TF-033", "PVD-TF-034"] {
        quiet(good, rule);
    }
    // The block without the switch: reported at the block.
    fires(
        "resource \"aws_opensearch_domain\" \"o\" {\n  domain_endpoint_options {\n    tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\"\n  }\n}\n",
        "PVD-TF-034",
        "domain_endpoint_options",
    );
}

#[test]
fn r035_open_search_policies() {
    let open = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "es:*", "Resource": "*"}]}"#;
    let inline = format!(
        "resource \"aws_opensearch_domain\" \"o\" {{\n  domain_name = \"acme\"\n  access_policies = <<POLICY\n{open}\nPOLICY\n}}\n"
    );
    fires(&inline, "PVD-TF-035", "access_policies");
    // In a VPC the endpoint is private: an open policy is the AWS-documented pattern.
    let vpc = inline.replace(
        "  domain_name = \"acme\"\n",
        "  domain_name = \"acme\"\n  vpc_options {\n    subnet_ids = var.subnets\n  }\n",
    );
    quiet(&vpc, "PVD-TF-035");
    // Fine-grained access control authenticates every request; anonymous access or a
    // switch that is not literal keeps the finding.
    let fgac = |enabled: &str, anonymous: &str| {
        inline.replace(
            "  domain_name = \"acme\"\n",
            &format!("  domain_name = \"acme\"\n  advanced_security_options {{\n    enabled = {enabled}\n{anonymous}  }}\n"),
        )
    };
    quiet(&fgac("true", ""), "PVD-TF-035");
    quiet(
        &fgac("true", "    anonymous_auth_enabled = false\n"),
        "PVD-TF-035",
    );
    fires(
        &fgac("true", "    anonymous_auth_enabled = true\n"),
        "PVD-TF-035",
        "access_policies",
    );
    fires(&fgac("var.fgac", ""), "PVD-TF-035", "access_policies");
    fires(&fgac("false", ""), "PVD-TF-035", "access_policies");
    // A separate policy resource, by reference and by literal name.
    let domain = "resource \"aws_elasticsearch_domain\" \"e\" {\n  domain_name = \"acme\"\n}\n";
    for target in ["aws_elasticsearch_domain.e.domain_name", "\"acme\""] {
        let tf = format!(
            "{domain}resource \"aws_elasticsearch_domain_policy\" \"p\" {{\n  domain_name = {target}\n  access_policies = jsonencode({{ Statement = [{{ Effect = \"Allow\", Principal = {{ AWS = \"*\" }}, Action = \"es:*\" }}] }})\n}}\n"
        );
        fires(&tf, "PVD-TF-035", "Statement = [{");
    }
    // A domain we cannot see, or a condition: not reported.
    quiet(
        "resource \"aws_opensearch_domain_policy\" \"p\" {\n  domain_name = var.domain\n  access_policies = jsonencode({ Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"es:*\" }] })\n}\n",
        "PVD-TF-035",
    );
    let conditioned = "resource \"aws_opensearch_domain\" \"o\" {\n  access_policies = jsonencode({ Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"es:*\", Condition = { IpAddress = { \"aws:SourceIp\" = [\"203.0.113.0/24\"] } } }] })\n}\n";
    quiet(conditioned, "PVD-TF-035");
    // Domain policies are not resource policies of PVD-TF-029.
    quiet(&inline, "PVD-TF-029");
}

#[test]
fn r036_r037_eks_secrets_and_logging() {
    let cluster = "resource \"aws_eks_cluster\" \"c\" {\n  name = \"c\"\n  encryption_config {\n    resources = [\"configmaps\"]\n    provider {\n      key_arn = aws_kms_key.k.arn\n    }\n  }\n}\n";
    fires(cluster, "PVD-TF-036", "resources = [\"configmaps\"]");
    fires(cluster, "PVD-TF-037", "resource \"aws_eks_cluster\"");
    let good = "resource \"aws_eks_cluster\" \"c\" {\n  enabled_cluster_log_types = var.log_types\n  encryption_config {\n    resources = var.encrypted\n  }\n}\n";
    quiet(good, "PVD-TF-036");
    quiet(good, "PVD-TF-037");
    quiet(
        "resource \"aws_eks_cluster\" \"c\" {\n  enabled_cluster_log_types = [\"audit\", \"api\", \"authenticator\"]\n}\n",
        "PVD-TF-037",
    );
}

#[test]
fn r038_lambda_environment() {
    let tf = "resource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = {\n      TOKEN_TTL      = \"3600\"\n      SECRET_ARN     = \"arn:aws:secretsmanager:eu-west-1:111122223333:secret:db\"\n      DB_PASSWORD    = var.db_password\n      API_TOKEN      = \"changeme\"\n      LEGACY         = \"AKIAIOSFODNN7QWERTY1\"\n      JWT_SECRET     = \"kq8Zr2vX9w\"\n    }\n  }\n}\n";
    let m = model(&[("main.tf", tf)], None);
    let hits: Vec<_> = check_all(&m, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == "PVD-TF-038")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0].message,
        "aws_lambda_function.f: literal credential in environment variable `LEGACY`, `JWT_SECRET`"
    );
    quiet(
        "resource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = {\n      PORT = \"8080\"\n      DB_PASSWORD_SECRET_ARN = aws_secretsmanager_secret.db.arn\n    }\n  }\n}\n",
        "PVD-TF-038",
    );
}

#[test]
fn r039_ecs_container_environment() {
    let tf = r#"resource "aws_ecs_task_definition" "t" {
  container_definitions = <<DEFS
[
  {"name": "web", "environment": [{"name": "SESSION_SECRET", "value": "a8Fj3kLq0Z"}, {"name": "PORT", "value": "8080"}]},
  {"name": "worker", "environment": [{"name": "QUEUE_TOKEN", "value": "T0k3n-v4lue"}]},
  {"name": "ok", "environment": [{"name": "API_KEY", "value": "<set me>"}]}
]
DEFS
}
"#;
    let m = model(&[("main.tf", tf)], None);
    let hits: Vec<_> = check_all(&m, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == "PVD-TF-039")
        .map(|h| (h.line, h.message))
        .collect();
    assert_eq!(
        hits,
        vec![
            (Some(2), "aws_ecs_task_definition.t, container `web`: literal credential in environment variable `SESSION_SECRET`".to_owned()),
            (Some(2), "aws_ecs_task_definition.t, container `worker`: literal credential in environment variable `QUEUE_TOKEN`".to_owned()),
        ]
    );
    quiet(
        "resource \"aws_ecs_task_definition\" \"t\" {\n  container_definitions = file(\"containers.json\")\n}\n",
        "PVD-TF-039",
    );
}

#[test]
fn r040_plain_http_listeners() {
    let listener = |protocol: &str, action: &str| {
        format!("resource \"aws_lb_listener\" \"l\" {{\n  port = 80\n  protocol = \"{protocol}\"\n  default_action {{\n{action}\n  }}\n}}\n")
    };
    let forward = "    type = \"forward\"\n    target_group_arn = aws_lb_target_group.t.arn";
    fires(
        &listener("HTTP", forward),
        "PVD-TF-040",
        "protocol = \"HTTP\"",
    );
    quiet(&listener("HTTPS", forward), "PVD-TF-040");
    quiet(&listener("TCP", forward), "PVD-TF-040");
    let to_https = "    type = \"redirect\"\n    redirect {\n      protocol = \"HTTPS\"\n      port = \"443\"\n      status_code = \"HTTP_301\"\n    }";
    quiet(&listener("HTTP", to_https), "PVD-TF-040");
    // A redirect that keeps the protocol (#{protocol}) is still plain HTTP.
    let same = "    type = \"redirect\"\n    redirect {\n      host = \"www.example.com\"\n      status_code = \"HTTP_301\"\n    }";
    fires(&listener("HTTP", same), "PVD-TF-040", "protocol = \"HTTP\"");
}

#[test]
fn r041_default_security_group() {
    quiet(
        "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = aws_vpc.v.id\n}\n",
        "PVD-TF-041",
    );
    quiet(
        "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = aws_vpc.v.id\n  ingress = []\n  egress = []\n}\n",
        "PVD-TF-041",
    );
    let open = "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = aws_vpc.v.id\n  egress {\n    protocol = \"-1\"\n    from_port = 0\n    to_port = 0\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  ingress {\n    protocol = \"tcp\"\n    from_port = 22\n    to_port = 22\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
    fires(open, "PVD-TF-041", "egress {");
    // Its world-open ingress is also what PVD-TF-012 looks for.
    fires(open, "PVD-TF-012", "cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}");
}

#[test]
fn r042_r043_s3_backend() {
    let full = "terraform {\n  backend \"s3\" {\n    bucket = \"state\"\n    key = \"k\"\n    region = \"eu-west-1\"\n  }\n}\n";
    fires(full, "PVD-TF-042", "backend \"s3\"");
    fires(full, "PVD-TF-043", "backend \"s3\"");
    // Partial configuration: the rest comes from -backend-config at init.
    let partial = "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n";
    quiet(partial, "PVD-TF-042");
    quiet(partial, "PVD-TF-043");
    let off = "terraform {\n  backend \"s3\" {\n    key = \"k\"\n    encrypt = false\n    use_lockfile = false\n  }\n}\n";
    fires(off, "PVD-TF-042", "encrypt = false");
    fires(off, "PVD-TF-043", "use_lockfile = false");
    let dynamo = "terraform {\n  backend \"s3\" {\n    bucket = \"state\"\n    encrypt = true\n    dynamodb_table = \"locks\"\n  }\n}\n";
    quiet(dynamo, "PVD-TF-042");
    quiet(dynamo, "PVD-TF-043");
    // The backend the blueprints generate (partial, encrypted, S3-native lock).
    let generated = "terraform {\n  backend \"s3\" {\n    key          = \"svc/terraform.tfstate\"\n    encrypt      = true\n    use_lockfile = true\n  }\n}\n";
    quiet(generated, "PVD-TF-042");
    quiet(generated, "PVD-TF-043");
}

#[test]
fn r011_port_80_alone_is_plain_http_at_medium() {
    // terragoat's web host: Apache on 80 for the world, no load balancer.
    let sg = |port: u16| {
        format!("resource \"aws_security_group\" \"web\" {{\n  ingress {{\n    from_port   = {port}\n    to_port     = {port}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n")
    };
    let hit = |tf: &str| {
        let m = model(&[("main.tf", tf)], None);
        check_all(&m, &Params::default(), rules())
            .into_iter()
            .find(|h| h.rule == "PVD-TF-011")
            .expect("PVD-TF-011")
    };
    let http = hit(&sg(80));
    assert_eq!(http.severity, Some(crate::guardrails::Severity::Medium));
    assert!(http.message.contains("plain HTTP"), "{}", http.message);
    // Any other non-public port keeps the rule's own severity (high).
    let app = hit(&sg(8080));
    assert_eq!(app.severity, None);
    assert!(!app.message.contains("plain HTTP"), "{}", app.message);
}
