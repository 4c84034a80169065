//! Kubernetes objects written as Terraform resources of the `kubernetes` provider
//! (`kubernetes_deployment`, `kubernetes_pod_v1`, `kubernetes_cluster_role`, …),
//! turned into the manifests they create, so the Kubernetes view (and every rule
//! over it) audits them like YAML.
//!
//! Decisions worth knowing:
//! - The provider's schema is the API's, in snake_case and with a repeated block
//!   for each list item (`container { … }` → `containers: [ … ]`). Names become
//!   camelCase; the blocks that stand for list items become lists (one block is a
//!   list of one). Map attributes (`labels`, `match_labels`, `selector`, resource
//!   `limits`) keep their keys as written: they are data, not field names.
//! - `kubernetes_manifest` carries the manifest itself in `manifest = { … }`, with
//!   the API's own field names: it is taken as written.
//! - A value Terraform only knows when it applies (a variable, a reference, a
//!   function call) is left out, as if unset: a rule never judges a guess, and a
//!   setting that comes from a variable is not reported as present. Names are the
//!   exception: a `namespace`, `name` or `service_account_name` given by an
//!   expression is set (to the expression's text), so a module's
//!   `namespace = var.namespace` is not "no namespace" nor `default`.
//! - Secrets and ConfigMaps are not converted: the provider takes their `data` as
//!   plain text, where a manifest has base64, and the secrets rules read `.tf` text
//!   already.
//! - Every node carries the line of the attribute or block it came from, so
//!   findings point into the `.tf` file.

use paved_parse::hcl::{Block, Body, TerraformFile, Value};
use paved_parse::yaml::{Node, YamlFile, YamlKind};

/// The `apiVersion` and `kind` a resource type creates (without its `_v1`/`_v2`).
fn api_kind(type_: &str) -> Option<(&'static str, &'static str)> {
    let base = type_
        .strip_suffix("_v1")
        .or_else(|| type_.strip_suffix("_v2"))
        .unwrap_or(type_);
    Some(match base {
        "kubernetes_pod" => ("v1", "Pod"),
        "kubernetes_deployment" => ("apps/v1", "Deployment"),
        "kubernetes_daemonset" | "kubernetes_daemon_set" => ("apps/v1", "DaemonSet"),
        "kubernetes_stateful_set" => ("apps/v1", "StatefulSet"),
        "kubernetes_replication_controller" => ("v1", "ReplicationController"),
        "kubernetes_job" => ("batch/v1", "Job"),
        "kubernetes_cron_job" => ("batch/v1", "CronJob"),
        "kubernetes_service" => ("v1", "Service"),
        "kubernetes_service_account" => ("v1", "ServiceAccount"),
        "kubernetes_namespace" => ("v1", "Namespace"),
        "kubernetes_role" => ("rbac.authorization.k8s.io/v1", "Role"),
        "kubernetes_cluster_role" => ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        "kubernetes_role_binding" => ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        "kubernetes_cluster_role_binding" => ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        "kubernetes_network_policy" => ("networking.k8s.io/v1", "NetworkPolicy"),
        _ => return None,
    })
}

/// Blocks that stand for one item of a list field, and that field's name.
const LIST_BLOCKS: &[(&str, &str)] = &[
    ("container", "containers"),
    ("init_container", "initContainers"),
    ("volume", "volumes"),
    ("volume_mount", "volumeMounts"),
    ("volume_device", "volumeDevices"),
    ("port", "ports"),
    ("ports", "ports"),
    ("env", "env"),
    ("env_from", "envFrom"),
    ("toleration", "tolerations"),
    ("image_pull_secrets", "imagePullSecrets"),
    ("host_aliases", "hostAliases"),
    ("topology_spread_constraint", "topologySpreadConstraints"),
    ("readiness_gate", "readinessGates"),
    ("rule", "rules"),
    ("subject", "subjects"),
    ("ingress", "ingress"),
    ("egress", "egress"),
    ("from", "from"),
    ("to", "to"),
    ("match_expressions", "matchExpressions"),
    ("secret", "secrets"),
];

/// Field names whose camelCase is not the plain one.
const IRREGULAR: &[(&str, &str)] = &[
    ("host_pid", "hostPID"),
    ("host_ipc", "hostIPC"),
    ("pod_ip", "podIP"),
    ("cluster_ip", "clusterIP"),
    ("cluster_ips", "clusterIPs"),
    ("load_balancer_ip", "loadBalancerIP"),
];

/// `run_as_non_root` → `runAsNonRoot`.
fn camel(name: &str) -> String {
    if let Some((_, c)) = IRREGULAR.iter().find(|(s, _)| *s == name) {
        return (*c).to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// Every `.tf` file's Kubernetes resources as one manifest file each (none for a
/// file without them).
pub(crate) fn manifests(files: &[TerraformFile]) -> Vec<YamlFile> {
    files
        .iter()
        .filter_map(|f| {
            let docs: Vec<Node> = f
                .blocks
                .iter()
                .filter(|b| b.kind == "resource")
                .filter_map(object)
                .collect();
            (!docs.is_empty()).then(|| YamlFile {
                path: f.path.clone(),
                kind: YamlKind::Kubernetes,
                docs,
            })
        })
        .collect()
}

/// The object a resource block creates.
fn object(resource: &Block) -> Option<Node> {
    let type_ = resource.labels.first()?;
    if type_ == "kubernetes_manifest" {
        return match &resource
            .body
            .attributes
            .iter()
            .find(|a| a.name == "manifest")?
            .value
        {
            v @ Value::Object(..) => {
                let line = resource.line;
                let node = value(v, line)?;
                (node.str_at("apiVersion").is_some() && node.str_at("kind").is_some())
                    .then_some(node)
            }
            _ => None,
        };
    }
    let (api_version, kind) = api_kind(type_)?;
    let line = resource.line;
    let mut entries = vec![
        (
            Node::scalar(line, "apiVersion"),
            Node::scalar(line, api_version),
        ),
        (Node::scalar(line, "kind"), Node::scalar(line, kind)),
    ];
    entries.extend(body(&resource.body));
    Some(Node::map(line, entries))
}

/// A block body as mapping entries: attributes, then nested blocks (list blocks
/// gathered into one list at the first one's place).
fn body(b: &Body) -> Vec<(Node, Node)> {
    let mut out: Vec<(Node, Node)> = Vec::new();
    for a in &b.attributes {
        let v = match value(&a.value, a.line) {
            Some(v) => Some(v),
            // A namespace or account named by a variable or another resource is
            // set, to something the plan decides: keep the expression as its name
            // (objects naming the same expression still meet), rather than read
            // it as unset (`default`, the default service account).
            None if NAMED_BY_EXPRESSION.contains(&a.name.as_str()) => {
                Some(Node::scalar(a.line, &expression(&a.value)))
            }
            None => None,
        };
        if let Some(v) = v {
            out.push((Node::scalar(a.line, &camel(&a.name)), v));
        }
    }
    let mut lists: Vec<(&str, u32, Vec<Node>)> = Vec::new();
    for nested in &b.blocks {
        if nested.kind == "dynamic" {
            continue; // items Terraform makes at apply time
        }
        let item = if nested.kind == "template" && is_bare_pod_spec(&nested.body) {
            // A ReplicationController's `template` may hold the pod spec's fields
            // directly (the provider's older form): the manifest has them under
            // `spec`.
            let mut entries: Vec<(Node, Node)> = Vec::new();
            let mut rest = Body::default();
            for b in &nested.body.blocks {
                if b.kind == "metadata" {
                    entries.push((
                        Node::scalar(b.line, "metadata"),
                        Node::map(b.line, body(&b.body)),
                    ));
                } else {
                    rest.blocks.push(b.clone());
                }
            }
            rest.attributes = nested.body.attributes.clone();
            entries.push((
                Node::scalar(nested.line, "spec"),
                Node::map(nested.line, body(&rest)),
            ));
            Node::map(nested.line, entries)
        } else {
            Node::map(nested.line, body(&nested.body))
        };
        match LIST_BLOCKS.iter().find(|(block, _)| *block == nested.kind) {
            Some((_, field)) => match lists.iter_mut().find(|(f, _, _)| f == field) {
                Some((_, _, items)) => items.push(item),
                None => lists.push((field, nested.line, vec![item])),
            },
            None => {
                let key = camel(&nested.kind);
                if !out.iter().any(|(k, _)| k.as_str() == Some(key.as_str())) {
                    out.push((Node::scalar(nested.line, &key), item));
                }
            }
        }
    }
    for (field, line, items) in lists {
        out.push((Node::scalar(line, field), Node::seq(line, items)));
    }
    out
}

/// Attributes whose value, when Terraform decides it, is still set: names.
const NAMED_BY_EXPRESSION: &[&str] = &["namespace", "name", "service_account_name"];

/// How a value only the plan knows is named: the reference as written
/// (`var.namespace`, `kubernetes_namespace.app.metadata[0].name`), else `(computed)`.
fn expression(v: &Value) -> String {
    match v {
        Value::Reference(r) => r.clone(),
        _ => "(computed)".to_owned(),
    }
}

/// Whether a `template` block holds pod spec fields itself rather than a `spec`.
fn is_bare_pod_spec(b: &Body) -> bool {
    b.blocks.iter().any(|x| x.kind == "container") && !b.blocks.iter().any(|x| x.kind == "spec")
}

/// A literal value as a node at `line`; `None` for what only `terraform apply`
/// knows. Object keys keep their spelling: they are data (labels, selectors,
/// resource quantities), or, in a `kubernetes_manifest`, the API's own names.
fn value(v: &Value, line: u32) -> Option<Node> {
    Some(match v {
        Value::Bool(b) => Node::scalar(line, if *b { "true" } else { "false" }),
        Value::Number(n) => Node::scalar(line, &number(*n)),
        Value::String(s) | Value::Template(s) => Node::scalar(line, s),
        Value::List(items) => {
            Node::seq(line, items.iter().filter_map(|i| value(i, line)).collect())
        }
        Value::Object(at, entries) => {
            let at = if *at == 0 { line } else { *at };
            Node::map(
                at,
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((Node::scalar(at, k), value(v, at)?)))
                    .collect(),
            )
        }
        Value::Null | Value::Reference(_) | Value::Unknown => return None,
    })
}

/// `80` for 80.0, the number as written otherwise.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::Model;

    #[test]
    fn a_deployment_resource_becomes_its_manifest() {
        let model = Model::from_memory(&[(
            "k8s/app.tf",
            r#"resource "kubernetes_deployment_v1" "app" {
  metadata {
    name      = "app"
    namespace = "shop"
  }
  spec {
    selector {
      match_labels = { app = "app" }
    }
    template {
      metadata {
        labels = { app = "app" }
      }
      spec {
        host_pid = true
        container {
          name  = "app"
          image = var.image
          security_context {
            privileged = true
            capabilities {
              drop = ["ALL"]
            }
          }
          env {
            name  = "DB_PASSWORD"
            value = "hunter2hunter2"
          }
        }
        container {
          name  = "sidecar"
          image = "envoy:1.30"
        }
        volume {
          name = "host"
          host_path {
            path = "/var/run/docker.sock"
          }
        }
      }
    }
  }
}
"#,
        )]);
        let files = model.terraform_manifests();
        assert_eq!(files.len(), 1);
        let doc = &files[0].docs[0];
        assert_eq!(doc.str_at("kind"), Some("Deployment"));
        assert_eq!(
            doc.path(&["metadata", "namespace"])
                .and_then(|n| n.as_str()),
            Some("shop")
        );
        let pod = doc.path(&["spec", "template", "spec"]).unwrap();
        assert_eq!(pod.get("hostPID").and_then(|n| n.as_bool()), Some(true));
        let containers = pod.get_or_empty("containers").items();
        assert_eq!(containers.len(), 2);
        // A variable is unknown until apply: left out, not guessed.
        assert!(containers[0].get("image").is_none());
        assert_eq!(
            containers[0]
                .path(&["securityContext", "privileged"])
                .and_then(|n| n.as_bool()),
            Some(true)
        );
        assert_eq!(
            containers[0].path(&["env"]).unwrap().items()[0].str_at("value"),
            Some("hunter2hunter2")
        );
        assert_eq!(
            pod.get_or_empty("volumes").items()[0]
                .path(&["hostPath", "path"])
                .and_then(|n| n.as_str()),
            Some("/var/run/docker.sock")
        );
        // Lines point into the .tf file: `privileged = true` is on line 20.
        assert_eq!(
            containers[0]
                .path(&["securityContext", "privileged"])
                .unwrap()
                .line(),
            20
        );
        // The view sees it as a workload with its containers.
        let views = crate::Views::new(&model);
        assert_eq!(views.k8s().workloads().len(), 1);
        assert_eq!(views.k8s().containers().count(), 2);
    }

    #[test]
    fn a_replication_controllers_bare_template_is_its_pod_spec() {
        let model = Model::from_memory(&[(
            "rc.tf",
            "resource \"kubernetes_replication_controller\" \"rc\" {\n  metadata {\n    name = \"web\"\n  }\n  spec {\n    template {\n      container {\n        name  = \"web\"\n        image = \"nginx:1.27\"\n      }\n    }\n  }\n}\n",
        )]);
        let views = crate::Views::new(&model);
        let names: Vec<&str> = views.k8s().containers().map(|(_, c)| c.name).collect();
        assert_eq!(names, ["web"]);
    }

    #[test]
    fn a_namespace_or_account_from_a_variable_is_set_not_default() {
        let model = Model::from_memory(&[(
            "app.tf",
            "resource \"kubernetes_deployment\" \"app\" {\n  metadata {\n    name      = \"app\"\n    namespace = var.namespace\n  }\n  spec {\n    template {\n      metadata {}\n      spec {\n        service_account_name = kubernetes_service_account.app.metadata[0].name\n        container {\n          name  = \"app\"\n          image = \"app:1.0\"\n        }\n      }\n    }\n  }\n}\n",
        )]);
        let views = crate::Views::new(&model);
        let w = &views.k8s().workloads()[0];
        assert_eq!(w.obj.namespace(), Some("var.namespace"));
        assert_eq!(
            w.pod.str_at("serviceAccountName"),
            Some("kubernetes_service_account.app.metadata[0].name")
        );
    }

    #[test]
    fn other_resources_and_secrets_are_not_objects() {
        let model = Model::from_memory(&[(
            "main.tf",
            "resource \"aws_s3_bucket\" \"b\" {}\nresource \"kubernetes_secret\" \"s\" {\n  data = { password = \"x\" }\n}\n",
        )]);
        assert!(model.terraform_manifests().is_empty());
    }
}
