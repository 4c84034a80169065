//! Kubernetes manifests as rules see them: objects (items of `*List` kinds
//! unpacked, kustomize patches left out), the workloads among them with their pod
//! spec, and every container of each.

use std::path::Path;

use paved_parse::yaml::{Node, YamlFile, YamlKind};

use crate::{Location, Model, YamlPath};

/// Kinds that carry a pod template (or are a pod).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Capabilities that give near-root power over the kernel or the network.
pub const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "NET_RAW",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
];

/// Whether `cap` (with or without `CAP_`, any case) is in [`DANGEROUS_CAPABILITIES`].
pub fn is_dangerous_capability(cap: &str) -> bool {
    let cap = cap.trim().to_ascii_uppercase();
    let cap = cap.strip_prefix("CAP_").unwrap_or(&cap);
    DANGEROUS_CAPABILITIES.contains(&cap)
}

/// One Kubernetes object and the file it is in.
#[derive(Clone, Copy, Debug)]
pub struct Object<'m> {
    pub path: &'m Path,
    pub node: &'m Node,
}

impl<'m> Object<'m> {
    pub fn kind(&self) -> &'m str {
        self.node.str_at("kind").unwrap_or_default()
    }

    /// `metadata.name`, or `?`.
    pub fn name(&self) -> &'m str {
        self.node
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("?")
    }

    pub fn namespace(&self) -> Option<&'m str> {
        self.node
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
    }

    /// Line of `metadata.name`, else of `kind`, for findings about the whole object.
    pub fn line(&self) -> u32 {
        self.node
            .get_or_empty("metadata")
            .key_line("name")
            .or(self.node.key_line("kind"))
            .unwrap_or(self.node.line())
    }

    /// The whole object.
    pub fn location(&self) -> Location<'m> {
        Location {
            file: self.path,
            line: Some(self.line()),
        }
    }

    /// The key at `path` below the object (`spec.type`, `metadata.namespace`).
    pub fn at(&self, path: &str) -> Location<'m> {
        Location::yaml(self.path, self.node, YamlPath(path))
    }
}

/// A workload object with its pod template.
#[derive(Debug)]
pub struct Workload<'m> {
    pub obj: Object<'m>,
    /// The pod spec.
    pub pod: &'m Node,
    /// Line of the `spec:` key holding the pod spec.
    pub pod_line: u32,
    /// The pod template's labels (the object's own for a bare Pod).
    pub labels: Option<&'m Node>,
    containers: Vec<Container<'m>>,
}

impl<'m> Workload<'m> {
    /// Init, regular and ephemeral containers, in that order.
    pub fn containers(&self) -> &[Container<'m>] {
        &self.containers
    }

    /// The key at `path` below the pod spec (`hostNetwork`, `securityContext.runAsUser`).
    pub fn pod_at(&self, path: &str) -> Location<'m> {
        Location::yaml(self.obj.path, self.pod, YamlPath(path))
    }

    /// A security-context field, the container's overriding the pod's: where the key
    /// is, and its value.
    pub fn effective(&self, c: &Container<'m>, key: &str) -> Option<(Location<'m>, &'m Node)> {
        let path = format!("securityContext.{key}");
        if let Some((_, v)) = c.security_context().get_entry(key) {
            return Some((c.at(&path), v));
        }
        let (_, v) = self.pod.get_or_empty("securityContext").get_entry(key)?;
        Some((self.pod_at(&path), v))
    }

    /// The pod spec as a whole: the line of the `spec:` key that holds it.
    pub fn pod_location(&self) -> Location<'m> {
        Location {
            file: self.obj.path,
            line: Some(self.pod_line),
        }
    }

    /// How messages name the workload: ``Deployment `app` ``.
    pub fn label(&self) -> String {
        format!("{} `{}`", self.obj.kind(), self.obj.name())
    }

    /// How messages name one of its containers: ``Deployment `app`, container `web` ``.
    pub fn container_label(&self, c: &Container<'_>) -> String {
        format!("{}, container `{}`", self.label(), c.name)
    }
}

/// One container of a workload.
#[derive(Clone, Copy, Debug)]
pub struct Container<'m> {
    pub path: &'m Path,
    pub node: &'m Node,
    pub name: &'m str,
    /// Line of `name:` (or of the container) for findings about a missing key.
    pub line: u32,
    /// An init or ephemeral container.
    pub init: bool,
}

impl<'m> Container<'m> {
    /// `securityContext`, or an empty node.
    pub fn security_context(&self) -> &'m Node {
        self.node.get_or_empty("securityContext")
    }

    /// The container as a whole: the line of its `name:`.
    pub fn location(&self) -> Location<'m> {
        Location {
            file: self.path,
            line: Some(self.line),
        }
    }

    /// Capabilities in `securityContext.capabilities.add`, with their index.
    pub fn added_capabilities(&self) -> Vec<(usize, &'m str)> {
        self.security_context()
            .path(&["capabilities", "add"])
            .map(string_items)
            .unwrap_or_default()
    }

    /// The key at `path` below the container (`securityContext.privileged`); the
    /// deepest part of the path that exists, and the container's `name:` line when
    /// nothing of it does.
    pub fn at(&self, path: &str) -> Location<'m> {
        let loc = Location::yaml(self.path, self.node, YamlPath(path));
        if loc.line == Some(self.node.line()) {
            Location {
                file: self.path,
                line: Some(self.line),
            }
        } else {
            loc
        }
    }
}

/// One rule of a Role or ClusterRole.
#[derive(Clone, Copy, Debug)]
pub struct RbacRule<'m> {
    pub role: Object<'m>,
    /// Its index in the role's `rules`.
    pub index: usize,
    pub node: &'m Node,
}

impl<'m> RbacRule<'m> {
    /// String items of `verbs` or `resources`, with their index.
    pub fn items(&self, field: &str) -> Vec<(usize, &'m str)> {
        string_items(self.node.get_or_empty(field))
    }

    /// The item `index` of `field` (`verbs`, `resources`) of this rule.
    pub fn at(&self, field: &str, index: usize) -> Location<'m> {
        self.role
            .at(&format!("rules[{}].{field}[{index}]", self.index))
    }
}

/// String items of a sequence, with their index.
pub fn string_items(node: &Node) -> Vec<(usize, &str)> {
    node.items()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_str().map(|s| (i, s)))
        .collect()
}

/// Whether two objects are in the same namespace (unset counts as its own value).
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    a.unwrap_or("") == b.unwrap_or("")
}

/// Every object, workload and kustomization of the repository.
#[derive(Debug)]
pub struct Kubernetes<'m> {
    objects: Vec<Object<'m>>,
    workloads: Vec<Workload<'m>>,
    kustomizations: Vec<(&'m YamlFile, &'m Node)>,
}

impl<'m> Kubernetes<'m> {
    pub(crate) fn build(model: &'m Model) -> Kubernetes<'m> {
        let kustomizations = kustomizations(model);
        let patches = patch_files(&kustomizations);
        let objects = objects(model, &patches);
        let workloads = objects.iter().filter_map(|o| workload(*o)).collect();
        Kubernetes {
            objects,
            workloads,
            kustomizations,
        }
    }

    pub fn objects(&self) -> &[Object<'m>] {
        &self.objects
    }

    /// Objects of one kind.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Object<'m>> + 's {
        self.objects.iter().filter(move |o| o.kind() == kind)
    }

    pub fn workloads(&self) -> &[Workload<'m>] {
        &self.workloads
    }

    /// Every container of every workload, with its workload.
    pub fn containers(&self) -> impl Iterator<Item = (&Workload<'m>, &Container<'m>)> {
        self.workloads
            .iter()
            .flat_map(|w| w.containers.iter().map(move |c| (w, c)))
    }

    /// The rules of every Role and ClusterRole.
    pub fn rbac_rules(&self) -> Vec<RbacRule<'m>> {
        self.objects
            .iter()
            .filter(|o| matches!(o.kind(), "Role" | "ClusterRole"))
            .flat_map(|role| {
                role.node
                    .get_or_empty("rules")
                    .items()
                    .iter()
                    .enumerate()
                    .map(move |(index, node)| RbacRule {
                        role: *role,
                        index,
                        node,
                    })
            })
            .collect()
    }

    /// `kustomization.yaml` files, parsed whether or not they carry apiVersion/kind.
    pub fn kustomizations(&self) -> &[(&'m YamlFile, &'m Node)] {
        &self.kustomizations
    }
}

fn kustomizations(model: &Model) -> Vec<(&YamlFile, &Node)> {
    model
        .yaml()
        .iter()
        .filter_map(|y| {
            let name = y.path.file_name()?.to_str()?;
            if name == "kustomization.yaml" || name == "kustomization.yml" {
                Some((y, y.root()?))
            } else {
                None
            }
        })
        .collect()
}

/// `dir/rel` with `.` and `..` resolved; `None` if it leaves the repository.
fn join_rel(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Files kustomize applies as patches: partial objects, not workloads of their own.
fn patch_files(kustomizations: &[(&YamlFile, &Node)]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, root) in kustomizations {
        let path = file.path_str();
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for key in ["patchesStrategicMerge", "patchesJson6902", "patches"] {
            for item in root.get_or_empty(key).items() {
                if let Some(rel) = item.as_str().or(item.str_at("path")) {
                    out.extend(join_rel(dir, rel));
                }
            }
        }
    }
    out
}

fn objects<'m>(model: &'m Model, patches: &[String]) -> Vec<Object<'m>> {
    let mut out = Vec::new();
    for file in model
        .yaml()
        .iter()
        .filter(|y| y.kind == YamlKind::Kubernetes && !patches.contains(&y.path_str()))
    {
        for doc in &file.docs {
            if doc.str_at("kind").is_some_and(|k| k.ends_with("List")) {
                for item in doc.get_or_empty("items").items() {
                    out.push(Object {
                        path: &file.path,
                        node: item,
                    });
                }
            } else if doc.str_at("apiVersion").is_some() && doc.str_at("kind").is_some() {
                out.push(Object {
                    path: &file.path,
                    node: doc,
                });
            }
        }
    }
    out
}

fn workload(obj: Object<'_>) -> Option<Workload<'_>> {
    let kind = obj.kind();
    if !WORKLOAD_KINDS.contains(&kind) {
        return None;
    }
    let (holder, meta) = match kind {
        "Pod" => (obj.node, obj.node.get("metadata")),
        "CronJob" => {
            let t = obj
                .node
                .path(&["spec", "jobTemplate", "spec", "template"])?;
            (t, t.get("metadata"))
        }
        _ => {
            let t = obj.node.path(&["spec", "template"])?;
            (t, t.get("metadata"))
        }
    };
    let (key, pod) = holder.get_entry("spec")?;
    if !pod.is_map() {
        return None;
    }
    let mut containers = Vec::new();
    for (field, init) in [
        ("initContainers", true),
        ("containers", false),
        ("ephemeralContainers", true),
    ] {
        for c in pod.get_or_empty(field).items() {
            containers.push(Container {
                path: obj.path,
                node: c,
                name: c.str_at("name").unwrap_or("?"),
                line: c.key_line("name").unwrap_or(c.line()),
                init,
            });
        }
    }
    Some(Workload {
        pod,
        pod_line: key.line(),
        labels: meta.and_then(|m| m.get("labels")),
        obj,
        containers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_are_not_objects_and_paths_stay_inside() {
        let model = Model::from_memory(&[
            (
                "deploy/app.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x}]\n",
            ),
            ("deploy/kustomization.yaml", "patches:\n  - path: ../patches/r.yaml\n"),
            (
                "patches/r.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {replicas: 3}\n",
            ),
        ]);
        let k8s = Kubernetes::build(&model);
        assert_eq!(k8s.objects().len(), 1);
        assert_eq!(k8s.workloads()[0].containers()[0].name, "a");
        assert_eq!(k8s.containers().count(), 1);
        assert_eq!(join_rel("a/b", "../../../x"), None);
        assert_eq!(join_rel("a/b", "../c").as_deref(), Some("a/c"));
    }
}
