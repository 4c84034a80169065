//! Configuration the audit cannot see, made visible: every kind of file that would
//! configure a workload but is not YAML, HCL or a Dockerfile until a tool renders it
//! becomes a `PVD-AUDIT-*` finding that names what was skipped and how to audit it.
//!
//! - `PVD-AUDIT-002`: a Helm chart (a `Chart.yaml`); its `templates/` are Go templates.
//! - `PVD-AUDIT-003`: a kustomization that pulls a remote base, component or Helm chart
//!   (`https://…`, `github.com/…?ref=`, `git@…`, `helmCharts:`); paved reads only the
//!   repository.
//! - `PVD-AUDIT-004`: Jsonnet, CUE and templated manifests outside a chart (`{{ … }}`
//!   in a file with `apiVersion` and `kind`, `*.yaml.j2`, `*.yaml.tpl`, `*.yaml.gotmpl`):
//!   one finding per kind, naming the first file and how many there are.
//! - `PVD-AUDIT-005`: a Terraform `module` whose `source` is not a path in the
//!   repository (`./…`, `../…`): a registry module, git, Mercurial, an archive or a
//!   bucket. One finding per module block, at its `source`. Local modules are files of
//!   the repository and are audited like the rest.
//!
//! Each finding ends with the command that renders the source for
//! `paved drift --manifests -`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use paved_parse::files::SourceFile;
use paved_parse::hcl::{TerraformFile, Value};
use paved_parse::yaml::{self, Node};

use super::rules::audit::{HelmChart, RemoteKustomizeBase, RemoteTerraformModule, RenderedSource};
use crate::guardrails::declare::Declared;
use crate::guardrails::model::Model;
use crate::guardrails::Hit;

/// Findings for every source of configuration in the repository that paved does not
/// audit.
pub fn find(model: &Model) -> Vec<Hit> {
    let files = model.files();
    let mut hits = helm_charts(files);
    let charts: Vec<String> = hits.iter().map(|h| chart_dir(&h.file)).collect();
    for file in files {
        if is_kustomization(&file.path_str()) {
            hits.extend(remote_bases(file));
        }
    }
    hits.extend(rendered_sources(files, &charts));
    hits.extend(model.terraform().iter().flat_map(remote_modules));
    hits
}

fn chart_dir(chart_yaml: &Path) -> String {
    chart_yaml
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default()
}

fn display_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}

fn helm_charts(files: &[SourceFile]) -> Vec<Hit> {
    let mut out = Vec::new();
    for chart in files
        .iter()
        .filter(|f| f.path.file_name() == Some("Chart.yaml".as_ref()))
    {
        let dir = chart_dir(&chart.path);
        let prefix = if dir.is_empty() {
            "templates/".to_string()
        } else {
            format!("{dir}/templates/")
        };
        let templates = files
            .iter()
            .filter(|f| {
                let p = f.path_str();
                p.starts_with(&prefix)
                    && [".yaml", ".yml", ".tpl", ".json"]
                        .iter()
                        .any(|ext| p.ends_with(ext))
            })
            .count();
        let shown = display_dir(&dir);
        out.push(Hit {
            rule: HelmChart::ID,
            file: chart.path.clone(),
            line: None,
            message: format!(
                "Helm chart `{shown}` is not audited: its {templates} {} Go {} that only {} Kubernetes manifests when rendered; audit the rendered output with `helm template {shown} | paved drift --manifests -` (add the -f values files you deploy with)",
                crate::text::plural(templates, "template is a", "templates are"),
                crate::text::plural(templates, "template", "templates"),
                crate::text::plural(templates, "becomes", "become"),
            ),
            detail: None,
            severity: None,
            span: None,
        });
    }
    out
}

fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Whether a kustomize `resources`/`bases`/`components` entry is fetched from elsewhere.
fn is_remote(entry: &str) -> bool {
    let e = entry.trim();
    e.contains("://")
        || e.starts_with("git@")
        || e.contains("?ref=")
        || e.contains("?version=")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|host| e.starts_with(host))
}

fn remote_bases(file: &SourceFile) -> Vec<Hit> {
    let Some(text) = file.text.as_deref() else {
        return Vec::new();
    };
    // A kustomization that does not parse is already PVD-AUDIT-001.
    let Ok(docs) = yaml::parse(text) else {
        return Vec::new();
    };
    let path = file.path_str();
    let dir = display_dir(path.rsplit_once('/').map_or("", |(d, _)| d)).to_string();
    let mut out = Vec::new();
    for doc in &docs {
        for key in ["resources", "bases", "components"] {
            for item in doc.get(key).map(Node::items).unwrap_or_default() {
                let Some(entry) = item.as_str().filter(|e| is_remote(e)) else {
                    continue;
                };
                out.push(Hit {
                    rule: RemoteKustomizeBase::ID,
                    file: file.path.clone(),
                    line: Some(item.line()),
                    message: format!(
                        "remote kustomize {} `{entry}` is not audited: paved reads only the files in this repository; audit what it builds with `kustomize build {dir} | paved drift --manifests -`",
                        key.trim_end_matches('s')
                    ),
                    detail: None,
                    severity: None,
                    span: None,
                });
            }
        }
        if let Some((key, charts)) = doc.get_entry("helmCharts") {
            let names: Vec<&str> = charts
                .items()
                .iter()
                .filter_map(|c| c.str_at("name"))
                .collect();
            out.push(Hit {
                rule: RemoteKustomizeBase::ID,
                file: file.path.clone(),
                line: Some(key.line()),
                message: format!(
                    "Helm {} `{}` inflated by kustomize {} not audited; audit what it builds with `kustomize build --enable-helm {dir} | paved drift --manifests -`",
                    crate::text::plural(names.len(), "chart", "charts"),
                    names.join("`, `"),
                    crate::text::plural(names.len(), "is", "are"),
                ),
                detail: None,
                severity: None,
                span: None,
            });
        }
    }
    out
}

/// How a Terraform module `source` that is not in the repository is fetched, as the
/// end of "module … is …": Terraform reads a source as a local path only when it starts
/// with `./` or `../`, and fetches everything else.
fn remote_module_source(source: &str) -> Option<&'static str> {
    let s = source.trim();
    if s.starts_with("./") || s.starts_with("../") {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let forced = lower.split_once("::").map_or("", |(getter, _)| getter);
    Some(match forced {
        "git" => "fetched from a git repository",
        "hg" => "fetched from a Mercurial repository",
        "s3" => "fetched from an S3 bucket",
        "gcs" => "fetched from a Google Cloud Storage bucket",
        _ if ["github.com/", "bitbucket.org/", "git@"]
            .iter()
            .any(|p| lower.starts_with(p)) =>
        {
            "fetched from a git repository"
        }
        _ if lower.contains("://") => "fetched over the network",
        // `NAMESPACE/NAME/PROVIDER`, optionally behind a registry host.
        _ if !lower.starts_with('/') && matches!(s.split('/').count(), 3 | 4) => {
            "fetched from a Terraform registry"
        }
        _ => "not a path in the repository (`./…`), so Terraform fetches it",
    })
}

/// One finding per `module` block whose source is fetched rather than read from the
/// repository.
fn remote_modules(tf: &TerraformFile) -> Vec<Hit> {
    let path = tf.path.to_string_lossy().replace('\\', "/");
    let root = path
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    let mut out = Vec::new();
    for module in tf.blocks.iter().filter(|b| b.kind == "module") {
        let Some(attr) = module.attr("source") else {
            continue;
        };
        let (Value::String(source) | Value::Template(source)) = &attr.value else {
            continue;
        };
        let Some(fetched) = remote_module_source(source) else {
            continue;
        };
        let name = module.labels.first().map(String::as_str).unwrap_or("");
        out.push(Hit {
            rule: RemoteTerraformModule::ID,
            file: tf.path.clone(),
            line: Some(attr.line),
            message: format!(
                "Terraform module `{name}` (`{source}`) is {fetched}: the resources it creates are not audited; audit its code (after `terraform init`: `paved drift {root}.terraform/modules/{name}`) or vendor it into the repository (`source = \"./modules/{name}\"`)"
            ),
            detail: None,
            severity: None,
            span: None,
        });
    }
    out
}

/// The kinds of source that become manifests only when a tool renders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SourceKind {
    Jsonnet,
    Cue,
    Template,
}

impl SourceKind {
    fn of(path: &str, text: Option<&str>) -> Option<SourceKind> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonnet") || lower.ends_with(".libsonnet") {
            return Some(SourceKind::Jsonnet);
        }
        if lower.ends_with(".cue") {
            return Some(SourceKind::Cue);
        }
        let yaml_template = [
            ".yaml.j2",
            ".yml.j2",
            ".yaml.tpl",
            ".yml.tpl",
            ".yaml.gotmpl",
            ".yml.gotmpl",
            ".yaml.tmpl",
            ".yml.tmpl",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext));
        let templated_yaml = (lower.ends_with(".yaml") || lower.ends_with(".yml"))
            && text.is_some_and(|t| is_manifest(t) && marker_outside_block_scalar(t));
        (yaml_template || templated_yaml).then_some(SourceKind::Template)
    }

    fn describe(self) -> (&'static str, &'static str) {
        match self {
            SourceKind::Jsonnet => (
                "Jsonnet file",
                "render it with `jsonnet -y FILE | paved drift --manifests -` (or `tk show`)",
            ),
            SourceKind::Cue => (
                "CUE file",
                "render it with `cue export --out yaml … | paved drift --manifests -`",
            ),
            SourceKind::Template => (
                "templated manifest",
                "render it with the tool that fills it in and pipe the result to `paved drift --manifests -`",
            ),
        }
    }
}

/// Whether the text is a Kubernetes manifest: `apiVersion:` and `kind:` are keys at
/// the root of a document. A GitHub workflow whose `run:` script pipes a manifest to
/// kubectl from a heredoc (microservices-demo's `ci-pr.yaml`) holds both words, indented
/// inside a block scalar, and its `${{ }}` expressions are not template markers of a
/// manifest: it is a workflow, audited as one.
fn is_manifest(text: &str) -> bool {
    let root_key = |key: &str| text.lines().any(|l| l.starts_with(key));
    root_key("apiVersion:") && root_key("kind:")
}

/// Whether a `{{` template marker stands in the manifest itself rather than inside a
/// block scalar (`key: |`), whose text is data handed to the workload: sealed-secrets'
/// example ConfigMap carries a gomplate template the app renders, and kubectl applies
/// the ConfigMap as it is.
fn marker_outside_block_scalar(text: &str) -> bool {
    // The indentation of the key whose block scalar we are in.
    let mut block: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(key_indent) = block {
            if trimmed.is_empty() || indent > key_indent {
                continue;
            }
            block = None;
        }
        let code = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
        if code.contains("{{") && !trimmed.starts_with('#') {
            return true;
        }
        // `key: |`, `key: >-`, `- |2`: a block scalar starts on the next line.
        let header = code.rsplit(' ').next().unwrap_or(code);
        let is_header = (header.starts_with('|') || header.starts_with('>'))
            && header[1..]
                .chars()
                .all(|c| matches!(c, '-' | '+' | '0'..='9'))
            && (code.ends_with(&format!(": {header}")) || code == format!("- {header}"));
        if is_header {
            block = Some(indent);
        }
    }
    false
}

fn rendered_sources(files: &[SourceFile], charts: &[String]) -> Vec<Hit> {
    let in_chart = |path: &str| {
        charts
            .iter()
            .any(|c| c.is_empty() || path.starts_with(&format!("{c}/")))
    };
    let mut by_kind: BTreeMap<SourceKind, Vec<&PathBuf>> = BTreeMap::new();
    for file in files {
        let path = file.path_str();
        if in_chart(&path) {
            continue;
        }
        if let Some(kind) = SourceKind::of(&path, file.text.as_deref()) {
            by_kind.entry(kind).or_default().push(&file.path);
        }
    }
    by_kind
        .into_iter()
        .map(|(kind, paths)| {
            let (what, how) = kind.describe();
            let first = paths[0].to_string_lossy().replace('\\', "/");
            let others = match paths.len() - 1 {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            Hit {
                rule: RenderedSource::ID,
                file: paths[0].clone(),
                line: None,
                message: format!(
                    "{what} `{first}`{others} not audited: it becomes configuration only when rendered; {how}",
                ),
                detail: None,
                severity: None,
                span: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(files: &[(&str, &str)]) -> Vec<(String, String, Option<u32>, String)> {
        find(&Model::from_memory(files))
            .into_iter()
            .map(|h| {
                (
                    h.rule.to_string(),
                    h.file.to_string_lossy().into_owned(),
                    h.line,
                    h.message,
                )
            })
            .collect()
    }

    #[test]
    fn helm_chart_is_one_finding_with_the_render_command() {
        let found = hits(&[
            ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\n"),
            ("charts/app/values.yaml", "image: x\n"),
            (
                "charts/app/templates/deployment.yaml",
                "apiVersion: apps/v1\nkind: {{ .Values.kind }}\n",
            ),
            (
                "charts/app/templates/_helpers.tpl",
                "{{- define \"x\" }}{{ end }}\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (rule, file, line, message) = &found[0];
        assert_eq!(
            (rule.as_str(), file.as_str(), *line),
            ("PVD-AUDIT-002", "charts/app/Chart.yaml", None)
        );
        assert!(
            message.contains("its 2 templates are Go templates"),
            "{message}"
        );
        assert!(
            message.contains("helm template charts/app | paved drift --manifests -"),
            "{message}"
        );
    }

    #[test]
    fn remote_kustomize_bases_and_helm_charts() {
        let found = hits(&[(
            "deploy/overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\n  - https://github.com/org/repo//deploy?ref=v1\n  - github.com/org/other/base?ref=main\ncomponents:\n  - git@github.com:org/c.git\nhelmCharts:\n  - name: redis\n    repo: https://charts.example\n",
        )]);
        let lines: Vec<(String, Option<u32>)> = found.iter().map(|h| (h.0.clone(), h.2)).collect();
        assert_eq!(
            lines,
            [
                ("PVD-AUDIT-003".to_string(), Some(3)),
                ("PVD-AUDIT-003".to_string(), Some(4)),
                ("PVD-AUDIT-003".to_string(), Some(6)),
                ("PVD-AUDIT-003".to_string(), Some(7)),
            ]
        );
        assert!(
            found[0]
                .3
                .contains("kustomize build deploy/overlays/prod | paved drift --manifests -"),
            "{}",
            found[0].3
        );
        assert!(
            found[2].3.starts_with("remote kustomize component"),
            "{}",
            found[2].3
        );
        assert!(found[3].3.contains("`redis`"), "{}", found[3].3);
        // Local bases are read and audited.
        assert!(hits(&[("k/kustomization.yaml", "resources: [../base, app.yaml]\n")]).is_empty());
    }

    #[test]
    fn jsonnet_cue_and_templates_one_finding_per_kind() {
        let found = hits(&[
            ("jsonnet/main.jsonnet", "{}"),
            ("jsonnet/lib/k.libsonnet", "{}"),
            ("cue/app.cue", "package app\n"),
            ("ansible/deploy.yaml.j2", "kind: Deployment\n"),
            (
                "k8s/app.yaml",
                "apiVersion: v1\nkind: Service\nmetadata: {name: {{ name }}}\n",
            ),
            ("config/settings.yaml", "greeting: '{{ not a manifest }}'\n"),
            // sealed-secrets' example: the template is the data of a plain ConfigMap
            (
                "docs/configmap.yaml",
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  conf.tmpl: |\n    {\"password\": \"{{ (ds \"secrets\").x }}\"}\n  other: plain\n",
            ),
            // a marker after the block scalar ends templates the manifest itself
            (
                "k8s/svc.yaml",
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    x\nmetadata: {name: {{ .N }}}\n",
            ),
            ("chart/Chart.yaml", "name: c\n"),
            ("chart/templates/x.yaml", "apiVersion: v1\nkind: {{ .K }}\n"),
            // microservices-demo's ci-pr.yaml: a workflow that pipes a manifest to
            // kubectl from a heredoc is a workflow, not a templated manifest
            (
                ".github/workflows/ci-pr.yaml",
                "on: pull_request\njobs:\n  t:\n    steps:\n      - uses: actions/checkout@v2\n        with:\n          ref: ${{ github.event.pull_request.head.ref }}\n      - run: |\n          cat <<EOF | kubectl apply -f -\n          apiVersion: v1\n          kind: Namespace\n          EOF\n",
            ),
        ]);
        let rules: Vec<(&str, &str)> = found.iter().map(|h| (h.0.as_str(), h.1.as_str())).collect();
        assert_eq!(
            rules,
            [
                ("PVD-AUDIT-002", "chart/Chart.yaml"),
                ("PVD-AUDIT-004", "jsonnet/main.jsonnet"),
                ("PVD-AUDIT-004", "cue/app.cue"),
                ("PVD-AUDIT-004", "ansible/deploy.yaml.j2"),
            ],
            "{found:?}"
        );
        assert!(found[1].3.contains("and 1 more"), "{}", found[1].3);
        assert!(found[3].3.contains("and 2 more"), "{}", found[3].3);
    }

    #[test]
    fn remote_terraform_modules_are_blind_spots_and_local_ones_are_not() {
        let tf = r#"
module "local" {
  source = "./modules/network"
}
module "parent" {
  source = "../shared/db"
}
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}
module "private" {
  source = "app.terraform.io/acme/k8s-cluster/azurerm"
}
module "git" {
  source = "git::https://example.com/network.git//modules/vpc?ref=v1.2.0"
}
module "gh" {
  source = "github.com/hashicorp/example"
}
module "ssh" {
  source = "git@github.com:hashicorp/example.git"
}
module "bucket" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/acme-modules/vpc.zip"
}
module "zip" {
  source = "https://example.com/vpc-module.zip"
}
"#;
        let found = hits(&[("infra/main.tf", tf)]);
        let got: Vec<(&str, Option<u32>)> = found.iter().map(|h| (h.0.as_str(), h.2)).collect();
        assert_eq!(
            got,
            [
                ("PVD-AUDIT-005", Some(9)),
                ("PVD-AUDIT-005", Some(13)),
                ("PVD-AUDIT-005", Some(16)),
                ("PVD-AUDIT-005", Some(19)),
                ("PVD-AUDIT-005", Some(22)),
                ("PVD-AUDIT-005", Some(25)),
                ("PVD-AUDIT-005", Some(28)),
            ],
            "{found:?}"
        );
        let says = |i: usize, part: &str| {
            assert!(found[i].3.contains(part), "{part}\n{}", found[i].3);
        };
        says(0, "Terraform module `vpc` (`terraform-aws-modules/vpc/aws`) is fetched from a Terraform registry");
        says(0, "`paved drift infra/.terraform/modules/vpc`");
        says(0, "`source = \"./modules/vpc\"`");
        says(1, "from a Terraform registry");
        says(2, "from a git repository");
        says(3, "from a git repository");
        says(4, "from a git repository");
        says(5, "from an S3 bucket");
        says(6, "fetched over the network");
    }
}
