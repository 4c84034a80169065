//! Kubernetes manifests as rules see them: objects (items of `*List` kinds
//! unpacked, kustomize patches left out), the workloads among them with their pod
//! spec, and every container of each; and the kustomize builds that deploy them
//! (which namespace applies to an object, which objects are deployed together, and
//! which labels kustomize adds to them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use paved_parse::yaml::{Node, YamlFile, YamlKind};

use crate::paths::{dir_of, join};
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

/// Whether `cap` is a container escape by itself (mount, load modules, trace host
/// processes, raw devices, read any file, eBPF), as against the network and tracing
/// capabilities of [`DANGEROUS_CAPABILITIES`] that need another weakness to reach
/// the host. Kubernetes and docker compose grade an added capability by it.
pub fn is_escape_capability(cap: &str) -> bool {
    let cap = cap.trim().to_ascii_uppercase();
    matches!(
        cap.strip_prefix("CAP_").unwrap_or(&cap),
        "ALL" | "SYS_ADMIN" | "SYS_MODULE" | "SYS_PTRACE" | "SYS_RAWIO" | "DAC_READ_SEARCH" | "BPF"
    )
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

    /// For a container with no `securityContext` of its own: the hardening it lacks,
    /// in rule order, counting what the pod's `securityContext` sets for every
    /// container (`runAsNonRoot`, `runAsUser`, `seccompProfile`). `None` when the
    /// container has the block, so each setting is judged on its own.
    pub fn bare_container_gaps(&self, c: &Container<'m>) -> Option<Vec<Hardening>> {
        if c.node.get("securityContext").is_some() {
            return None;
        }
        let pod = self.pod.get_or_empty("securityContext");
        let user = pod.get("runAsUser").and_then(Node::as_i64);
        let non_root = match (user, pod.get("runAsNonRoot").map(Node::as_bool)) {
            (Some(0), _) => false,
            (_, Some(Some(true))) => true,
            (_, Some(_)) => false,
            (u, None) => u.is_some_and(|u| u > 0),
        };
        let seccomp = pod
            .path(&["seccompProfile", "type"])
            .and_then(Node::as_str)
            .is_some_and(|t| matches!(t, "RuntimeDefault" | "Localhost"));
        let mut gaps = Vec::new();
        if !non_root {
            gaps.push(Hardening::NonRoot);
        }
        gaps.extend([
            Hardening::NoPrivilegeEscalation,
            Hardening::DropAllCapabilities,
            Hardening::ReadOnlyRoot,
        ]);
        if !seccomp {
            gaps.push(Hardening::Seccomp);
        }
        Some(gaps)
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

    /// Which of `required` (`cpu`, `memory`) the container's `resources.<kind>`
    /// (`limits`, `requests`) does not set, in the order given.
    pub fn missing_resources<'r>(&self, kind: &str, required: &'r [String]) -> Vec<&'r str> {
        let set = self.node.get_or_empty("resources").get_or_empty(kind);
        required
            .iter()
            .map(String::as_str)
            .filter(|r| set.get(r).map_or(true, Node::is_null))
            .collect()
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

/// A setting of a container's `securityContext`, for a container that has none:
/// its five hardening rules then make one finding, not five.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hardening {
    /// `runAsNonRoot: true` (PVD-KUBE-002).
    NonRoot,
    /// `allowPrivilegeEscalation: false` (PVD-KUBE-003).
    NoPrivilegeEscalation,
    /// `capabilities: {drop: [ALL]}` (PVD-KUBE-007).
    DropAllCapabilities,
    /// `readOnlyRootFilesystem: true` (PVD-KUBE-008).
    ReadOnlyRoot,
    /// `seccompProfile: {type: RuntimeDefault}` (PVD-KUBE-014).
    Seccomp,
}

impl Hardening {
    /// What the container may do without it.
    pub fn risk(self) -> &'static str {
        match self {
            Hardening::NonRoot => "may run as root",
            Hardening::NoPrivilegeEscalation => "lets setuid binaries gain privileges",
            Hardening::DropAllCapabilities => "keeps the runtime's default capabilities",
            Hardening::ReadOnlyRoot => "has a writable root filesystem",
            Hardening::Seccomp => "has no confining seccomp profile",
        }
    }

    /// The `securityContext` line that supplies it.
    pub fn setting(self) -> &'static str {
        match self {
            Hardening::NonRoot => "runAsNonRoot: true",
            Hardening::NoPrivilegeEscalation => "allowPrivilegeEscalation: false",
            Hardening::DropAllCapabilities => "capabilities: {drop: [ALL]}",
            Hardening::ReadOnlyRoot => "readOnlyRootFilesystem: true",
            Hardening::Seccomp => "seccompProfile: {type: RuntimeDefault}",
        }
    }

    /// The finding for a container that lacks `gaps` (from
    /// [`Workload::bare_container_gaps`]): its message, and the combined fix as
    /// the `securityContext` block to add.
    pub fn combined(label: &str, gaps: &[Hardening]) -> (String, String) {
        let risks: Vec<&str> = gaps.iter().map(|g| g.risk()).collect();
        let message = format!("{label}: no `securityContext`, so it {}", join_and(&risks));
        let mut fix = String::from("add to the container:\nsecurityContext:\n");
        for g in gaps {
            fix.push_str("  ");
            fix.push_str(g.setting());
            fix.push('\n');
        }
        (message, fix.trim_end().to_owned())
    }
}

/// `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
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

/// How messages name a namespace: an unset one is `default`, where the API server
/// puts it (with no context namespace set).
pub fn namespace_name(ns: Option<&str>) -> &str {
    match ns {
        None | Some("") => "default",
        Some(ns) => ns,
    }
}

/// Whether two objects are in the same namespace; unset and `default` are one.
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    namespace_name(a) == namespace_name(b)
}

/// A label a kustomization adds to everything it builds (`commonLabels`, the `pairs`
/// of a `labels` entry), and where kustomize writes it besides `metadata.labels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddedLabel<'m> {
    pub key: &'m str,
    pub value: &'m str,
    /// Also into selectors: `commonLabels`, or `labels` with `includeSelectors: true`.
    pub selectors: bool,
    /// Also into pod templates: as for `selectors`, or `includeTemplates: true`.
    pub templates: bool,
}

/// The labels a kustomization adds, in the order written.
fn added_labels(root: &Node) -> Vec<AddedLabel<'_>> {
    fn add<'a>(out: &mut Vec<AddedLabel<'a>>, pairs: &'a Node, selectors: bool, templates: bool) {
        for (key, _, v) in pairs.entries() {
            if let Some(value) = v.as_str() {
                out.push(AddedLabel {
                    key,
                    value,
                    selectors,
                    templates,
                });
            }
        }
    }
    let mut out = Vec::new();
    add(&mut out, root.get_or_empty("commonLabels"), true, true);
    for entry in root.get_or_empty("labels").items() {
        let on = |k: &str| entry.get(k).and_then(Node::as_bool) == Some(true);
        let selectors = on("includeSelectors");
        let templates = selectors || on("includeTemplates");
        add(&mut out, entry.get_or_empty("pairs"), selectors, templates);
    }
    out
}

/// An `images:` entry of a kustomization: kustomize rewrites every container image
/// whose name (without tag or digest) is `name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageEdit<'m> {
    pub name: &'m str,
    pub new_name: Option<&'m str>,
    pub new_tag: Option<&'m str>,
    pub digest: Option<&'m str>,
}

impl ImageEdit<'_> {
    /// `image` as this edit leaves it.
    fn apply(&self, image: &str) -> Option<String> {
        let (name, tag, digest) = split_image(image);
        if name != self.name {
            return None;
        }
        let name = self.new_name.unwrap_or(name);
        Some(match (self.digest, self.new_tag, tag, digest) {
            (Some(d), ..) => format!("{name}@{d}"),
            (None, Some(t), _, _) => format!("{name}:{t}"),
            (None, None, Some(t), Some(d)) => format!("{name}:{t}@{d}"),
            (None, None, Some(t), None) => format!("{name}:{t}"),
            (None, None, None, Some(d)) => format!("{name}@{d}"),
            (None, None, None, None) => name.to_owned(),
        })
    }
}

/// An image reference split into name, tag and digest (`reg:5000/app:1.2@sha256:…`
/// → `reg:5000/app`, `1.2`, `sha256:…`); a registry port is not a tag.
pub fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// The `images:` edits of a kustomization, in the order written.
fn image_edits(root: &Node) -> Vec<ImageEdit<'_>> {
    root.get_or_empty("images")
        .items()
        .iter()
        .filter_map(|e| {
            Some(ImageEdit {
                name: e.str_at("name")?,
                new_name: e.str_at("newName").filter(|s| !s.is_empty()),
                new_tag: e.str_at("newTag").filter(|s| !s.is_empty()),
                digest: e.str_at("digest").filter(|s| !s.is_empty()),
            })
        })
        .collect()
}

/// Where an object is deployed: by which build, into which namespace, with which
/// labels added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement<'m> {
    /// The top-level kustomization that builds it; `None` for a manifest no
    /// kustomization includes (applied as it is, with its siblings).
    pub build: Option<&'m Path>,
    /// For a manifest no kustomization includes: the top-level directory it sits
    /// in (`""` at the root), the unit such manifests are applied as
    /// (`kubectl apply -R -f deploy/`), so `examples/` does not deploy with
    /// `deploy/`.
    pub tree: &'m str,
    /// The namespace it lands in: the outermost kustomization's `namespace:` on the
    /// way to it, else its own `metadata.namespace`; `None` when neither is set.
    pub namespace: Option<&'m str>,
    /// The labels the kustomizations on the way to it add (those of the components
    /// a kustomization includes count as its own), outermost first: an outer
    /// kustomization applies its labels after the inner ones, so its value wins.
    pub labels: Vec<AddedLabel<'m>>,
    /// The `images:` edits of the kustomizations on the way to it (and of their
    /// components), outermost first: kustomize applies the inner ones first.
    pub images: Vec<ImageEdit<'m>>,
}

impl<'m> Placement<'m> {
    /// `image` as deployed here, after every kustomization's `images:` edits.
    pub fn image(&self, image: &str) -> String {
        self.images
            .iter()
            .rev()
            .fold(image.to_owned(), |img, e| e.apply(&img).unwrap_or(img))
    }

    /// Whether two placements are deployed together: the same kustomize build, or
    /// plain manifests in the same top-level directory; and the same namespace.
    pub fn together(&self, other: &Placement<'_>) -> bool {
        self.build == other.build
            && (self.build.is_some() || self.tree == other.tree)
            && same_namespace(self.namespace, other.namespace)
    }

    /// The label `key` of the pods of `w` deployed here: the one a kustomization on
    /// the way adds to pod templates (the outermost wins), else the template's own.
    /// A bare Pod's labels are its `metadata.labels`, where every added label goes.
    pub fn pod_label(&self, w: &Workload<'m>, key: &str) -> Option<&'m str> {
        let bare_pod = w.obj.kind() == "Pod";
        self.labels
            .iter()
            .find(|l| l.key == key && (l.templates || bare_pod))
            .map(|l| l.value)
            .or_else(|| w.labels.and_then(|l| l.get(key)).and_then(Node::as_str))
    }
}

/// Whether `policy`, a NetworkPolicy deployed at `policy_at`, selects the pods of
/// `w` deployed at `w_at`, with the labels kustomize adds on the way: to the pods
/// ([`Placement::pod_label`]), and to the policy's `podSelector.matchLabels` when it
/// has that field (kustomize does not create it, so `podSelector: {}` still selects
/// every pod).
pub fn policy_selects<'m>(
    policy: &Object<'_>,
    policy_at: &Placement<'_>,
    w: &Workload<'m>,
    w_at: &Placement<'m>,
) -> bool {
    let selector = policy.node.path(&["spec", "podSelector"]);
    let added: Vec<(&str, &str)> = match selector {
        Some(s) if s.get("matchLabels").is_some() => policy_at
            .labels
            .iter()
            .filter(|l| l.selectors)
            .map(|l| (l.key, l.value))
            .collect(),
        _ => Vec::new(),
    };
    matches(selector, &added, |k| w_at.pod_label(w, k))
}

/// Whether a `podSelector` (or any label selector) selects pods with `labels`: every
/// `matchLabels` pair and every `matchExpressions` requirement holds. A missing or
/// empty selector selects every pod.
pub fn selects(selector: Option<&Node>, labels: Option<&Node>) -> bool {
    matches(selector, &[], |k| {
        labels.and_then(|l| l.get(k)).and_then(Node::as_str)
    })
}

/// [`selects`] for pods whose label `k` is `label(k)`, with `added` pairs set in the
/// selector's `matchLabels` (over the ones written there).
fn matches<'a>(
    selector: Option<&Node>,
    added: &[(&str, &str)],
    label: impl Fn(&str) -> Option<&'a str>,
) -> bool {
    let Some(sel) = selector else { return true };
    let written = sel
        .get_or_empty("matchLabels")
        .entries()
        .filter(|(k, _, _)| !added.iter().any(|(a, _)| a == k))
        .all(|(k, _, v)| v.as_str().is_some_and(|v| label(k) == Some(v)));
    let by_labels = written && added.iter().all(|(k, v)| label(k) == Some(*v));
    let by_expressions = sel
        .get_or_empty("matchExpressions")
        .items()
        .iter()
        .all(|e| {
            let Some(key) = e.str_at("key") else {
                return false;
            };
            let values: Vec<&str> = e
                .get_or_empty("values")
                .items()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            match (e.str_at("operator"), label(key)) {
                (Some("In"), Some(v)) => values.contains(&v),
                (Some("In"), None) => false,
                (Some("NotIn"), Some(v)) => !values.contains(&v),
                (Some("NotIn"), None) => true,
                (Some("Exists"), v) => v.is_some(),
                (Some("DoesNotExist"), v) => v.is_none(),
                _ => false,
            }
        });
    by_labels && by_expressions
}

/// Every object, workload and kustomization of the repository.
#[derive(Debug)]
pub struct Kubernetes<'m> {
    objects: Vec<Object<'m>>,
    workloads: Vec<Workload<'m>>,
    kustomizations: Vec<(&'m YamlFile, &'m Node)>,
    /// File → where kustomize builds deploy it; a file absent here is included by
    /// no kustomization.
    placed: BTreeMap<String, Vec<Placement<'m>>>,
}

impl<'m> Kubernetes<'m> {
    pub(crate) fn build(model: &'m Model) -> Kubernetes<'m> {
        let kustomizations = kustomizations(model);
        let patches = patch_files(&kustomizations);
        let objects = objects(model, &patches);
        let workloads = objects.iter().filter_map(|o| workload(*o)).collect();
        let placed = placements(model, &kustomizations);
        Kubernetes {
            objects,
            workloads,
            kustomizations,
            placed,
        }
    }

    /// Where an object is deployed. A manifest no kustomization includes is
    /// deployed once, as written; one a kustomization includes is deployed by each
    /// top-level kustomization that reaches it (namespace from the outermost one that
    /// sets it); one reached only through a component no build includes is not
    /// deployed at all (empty).
    pub fn placements(&self, obj: &Object<'m>) -> Vec<Placement<'m>> {
        let path = obj.path.to_string_lossy().replace('\\', "/");
        match self.placed.get(&path) {
            None => vec![Placement {
                build: None,
                tree: top_dir(obj.path),
                namespace: obj.namespace(),
                labels: Vec::new(),
                images: Vec::new(),
            }],
            Some(list) => list
                .iter()
                .map(|p| Placement {
                    build: p.build,
                    tree: "",
                    namespace: p.namespace.or(obj.namespace()),
                    labels: p.labels.clone(),
                    images: p.images.clone(),
                })
                .collect(),
        }
    }

    pub fn objects(&self) -> &[Object<'m>] {
        &self.objects
    }

    /// The image of container `c` as each build of `w` deploys it (kustomize
    /// `images:` edits applied), without repeats, in placement order; the written
    /// image when nothing edits it. Empty for a container without `image`.
    pub fn deployed_images(&self, w: &Workload<'m>, c: &Container<'m>) -> Vec<String> {
        let Some(image) = c.node.str_at("image") else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for p in self.placements(&w.obj) {
            let img = p.image(image.trim());
            if !out.contains(&img) {
                out.push(img);
            }
        }
        if out.is_empty() {
            out.push(image.trim().to_owned());
        }
        out
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

    /// Whether the service account `sa` of workload `w` is a subject of a RoleBinding
    /// or ClusterRoleBinding of the repository, in the namespace `w` is deployed to:
    /// the workload is meant to call the Kubernetes API. A subject's namespace is its
    /// own, else (a RoleBinding's) the binding's; a kustomize build that sets a
    /// namespace moves both the workload and the subjects of its bindings there.
    pub fn service_account_bound(&self, w: &Workload<'m>, sa: &str) -> bool {
        let places = self.placements(&w.obj);
        self.objects
            .iter()
            .filter(|o| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding"))
            .any(|b| {
                let b_places = self.placements(b);
                b.node.get_or_empty("subjects").items().iter().any(|s| {
                    if s.str_at("kind") != Some("ServiceAccount") || s.str_at("name") != Some(sa) {
                        return false;
                    }
                    places.iter().any(|wp| {
                        b_places.iter().any(|bp| {
                            let own = s.str_at("namespace").or(if b.kind() == "RoleBinding" {
                                bp.namespace
                            } else {
                                None
                            });
                            // The build's `namespace:` (the binding's placement has it)
                            // is where kustomize moves the subjects too.
                            let moved = wp.build.is_some()
                                && wp.build == bp.build
                                && bp.namespace.is_some()
                                && same_namespace(bp.namespace, wp.namespace);
                            moved || same_namespace(own, wp.namespace)
                        })
                    })
                })
            })
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

/// Files kustomize applies as patches: partial objects, not workloads of their own.
fn patch_files(kustomizations: &[(&YamlFile, &Node)]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, root) in kustomizations {
        let path = file.path_str();
        let dir = dir_of(&path);
        for key in ["patchesStrategicMerge", "patchesJson6902", "patches"] {
            for item in root.get_or_empty(key).items() {
                if let Some(rel) = item.as_str().or(item.str_at("path")) {
                    out.extend(join(dir, rel));
                }
            }
        }
    }
    out
}

/// The first directory of a relative path; `""` for a file at the root.
fn top_dir(path: &Path) -> &str {
    let s = path.to_str().unwrap_or("");
    match s.split_once(['/', '\\']) {
        Some((top, _)) => top,
        None => "",
    }
}

/// What each kustomization includes (`resources`, `components`, `bases`): files,
/// and other kustomizations (a directory holding a `kustomization.yaml`).
fn includes(model: &Model, dir: &str, root: &Node) -> (Vec<String>, Vec<String>) {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    for key in ["resources", "components", "bases"] {
        for item in root.get_or_empty(key).items() {
            let Some(rel) = item.as_str() else { continue };
            if rel.contains("://") || rel.contains('?') {
                continue; // remote bases are outside the repository
            }
            let Some(path) = join(dir, rel) else {
                continue;
            };
            if model.file(&path).is_some() {
                files.push(path);
            } else {
                dirs.push(path);
            }
        }
    }
    (files, dirs)
}

/// Follows every top-level kustomization (one that is not a `Component` and that
/// no other kustomization includes) down to the files it deploys.
fn placements<'m>(
    model: &'m Model,
    kustomizations: &[(&'m YamlFile, &'m Node)],
) -> BTreeMap<String, Vec<Placement<'m>>> {
    struct K<'m> {
        path: &'m Path,
        namespace: Option<&'m str>,
        labels: Vec<AddedLabel<'m>>,
        images: Vec<ImageEdit<'m>>,
        component: bool,
        files: Vec<String>,
        children: Vec<usize>,
    }
    let by_dir: BTreeMap<String, usize> = kustomizations
        .iter()
        .enumerate()
        .map(|(i, (f, _))| {
            let p = f.path_str();
            (dir_of(&p).to_owned(), i)
        })
        .collect();
    let ks: Vec<K<'m>> = kustomizations
        .iter()
        .map(|(f, root)| {
            let p = f.path_str();
            let dir = dir_of(&p);
            let (files, dirs) = includes(model, dir, root);
            K {
                path: &f.path,
                namespace: root.str_at("namespace").filter(|n| !n.is_empty()),
                labels: added_labels(root),
                images: image_edits(root),
                component: root.str_at("kind") == Some("Component"),
                files,
                children: dirs.iter().filter_map(|d| by_dir.get(d).copied()).collect(),
            }
        })
        .collect();
    let included: BTreeSet<usize> = ks.iter().flat_map(|k| k.children.clone()).collect();
    // A component transforms what the kustomization including it builds: its labels
    // are that kustomization's (components of components too).
    type Edits<'m> = (Vec<AddedLabel<'m>>, Vec<ImageEdit<'m>>);
    let labels_with_components: Vec<Edits<'m>> = (0..ks.len())
        .map(|i| {
            let mut labels = ks[i].labels.clone();
            let mut images = ks[i].images.clone();
            let mut seen = BTreeSet::from([i]);
            let mut todo: Vec<usize> = ks[i].children.clone();
            while let Some(c) = todo.pop() {
                if ks[c].component && seen.insert(c) {
                    labels.extend(ks[c].labels.iter().copied());
                    images.extend(ks[c].images.iter().copied());
                    todo.extend(ks[c].children.iter().copied());
                }
            }
            (labels, images)
        })
        .collect();
    let mut out: BTreeMap<String, Vec<Placement<'m>>> = BTreeMap::new();
    // Every file some kustomization includes is kustomized, deployed or not.
    for k in &ks {
        for f in &k.files {
            out.entry(f.clone()).or_default();
        }
    }
    for (i, root) in ks.iter().enumerate() {
        if root.component || included.contains(&i) {
            continue;
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![(i, root.namespace, labels_with_components[i].clone())];
        while let Some((k, ns, (labels, images))) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            for f in &ks[k].files {
                let p = Placement {
                    build: Some(root.path),
                    tree: "",
                    namespace: ns,
                    labels: labels.clone(),
                    images: images.clone(),
                };
                let list = out.entry(f.clone()).or_default();
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            for &c in &ks[k].children {
                // The outermost `namespace:` wins over the ones below it; labels
                // stay outermost first.
                let mut inner = labels.clone();
                inner.extend(labels_with_components[c].0.iter().copied());
                let mut inner_images = images.clone();
                inner_images.extend(labels_with_components[c].1.iter().copied());
                stack.push((c, ns.or(ks[c].namespace), (inner, inner_images)));
            }
        }
    }
    out
}

fn objects<'m>(model: &'m Model, patches: &[String]) -> Vec<Object<'m>> {
    let mut out = Vec::new();
    // Manifests, then the objects of Terraform `kubernetes_*` resources.
    for file in model
        .yaml()
        .iter()
        .filter(|y| y.kind == YamlKind::Kubernetes && !patches.contains(&y.path_str()))
        .chain(model.terraform_manifests())
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
    fn images_split_into_name_tag_and_digest() {
        assert_eq!(split_image("app"), ("app", None, None));
        assert_eq!(
            split_image("localhost:5000/app:1.2@sha256:ab"),
            ("localhost:5000/app", Some("1.2"), Some("sha256:ab"))
        );
        assert_eq!(split_image("reg:5000/app"), ("reg:5000/app", None, None));
    }

    #[test]
    fn kustomize_image_edits_apply_per_build_inner_first() {
        let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: acme/app}]\n";
        let model = Model::from_memory(&[
            ("base/app.yaml", dep),
            (
                "base/kustomization.yaml",
                "resources: [app.yaml]\nimages:\n  - {name: acme/app, newTag: '1.0'}\n",
            ),
            (
                "prod/kustomization.yaml",
                "resources: [../base]\nimages:\n  - {name: acme/app, newName: reg.io/acme/app, digest: 'sha256:ff'}\n",
            ),
            ("plain/app.yaml", dep),
        ]);
        let k8s = Kubernetes::build(&model);
        let images: Vec<Vec<String>> = k8s
            .containers()
            .map(|(w, c)| k8s.deployed_images(w, c))
            .collect();
        assert_eq!(
            images,
            vec![
                vec!["reg.io/acme/app@sha256:ff".to_owned()],
                vec!["acme/app".to_owned()],
            ]
        );
    }

    #[test]
    fn a_bound_service_account_is_found_in_its_namespace_only() {
        let model = Model::from_memory(&[
            (
                "config/manager.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m, namespace: system}\nspec:\n  template:\n    spec:\n      serviceAccountName: ctl\n      containers: [{name: a, image: x}]\n",
            ),
            (
                "config/rbac.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects: [{kind: ServiceAccount, name: ctl, namespace: system}]\n",
            ),
            (
                "config/kustomization.yaml",
                "namespace: ctl-system\nresources: [manager.yaml, rbac.yaml]\n",
            ),
            (
                "plain/ds.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: kube-system}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      containers: [{name: a, image: x}]\n",
            ),
            (
                "plain/kustomization.yaml",
                "resources: [ds.yaml, ../base]\n",
            ),
            (
                "base/rbac.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects: [{kind: ServiceAccount, name: sa, namespace: kube-system}]\n",
            ),
            ("base/kustomization.yaml", "resources: [rbac.yaml]\n"),
            (
                "other/app.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: o, namespace: apps}\nspec:\n  template:\n    spec:\n      serviceAccountName: ctl\n      containers: [{name: a, image: x}]\n",
            ),
        ]);
        let k8s = Kubernetes::build(&model);
        let bound: Vec<(&str, bool)> = k8s
            .workloads()
            .iter()
            .map(|w| {
                let sa = w.pod.str_at("serviceAccountName").unwrap_or("");
                (w.obj.name(), k8s.service_account_bound(w, sa))
            })
            .collect();
        // `m` moves to ctl-system with its binding; `d` keeps kube-system, the
        // namespace its binding names (a build that sets none moves nothing); `o` is
        // in another namespace than the binding's subject.
        assert_eq!(bound, vec![("m", true), ("d", true), ("o", false)]);
    }

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
        assert_eq!(join("a/b", "../../../x"), None);
        assert_eq!(join("a/b", "../c").as_deref(), Some("a/c"));
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: NAME}\nspec:\n  template:\n    metadata: {labels: {app: NAME}}\n    spec:\n      containers: [{name: a, image: x}]\n";

    #[test]
    fn kustomize_builds_place_what_they_include() {
        let model = Model::from_memory(&[
            ("base/app.yaml", &DEPLOY.replace("NAME", "app")),
            ("base/kustomization.yaml", "resources: [app.yaml]\n"),
            ("overlays/prod/kustomization.yaml", "namespace: prod\nresources: [../../base]\ncomponents: [../../components/np]\n"),
            ("overlays/dev/kustomization.yaml", "resources: [../../base]\n"),
            ("components/np/kustomization.yaml", "kind: Component\nresources: [np.yaml]\n"),
            ("components/np/np.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelector: {}}\n"),
            ("components/unused/kustomization.yaml", "kind: Component\nresources: [np.yaml]\n"),
            ("components/unused/np.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np2}\nspec: {podSelector: {}}\n"),
            ("other/worker.yaml", &DEPLOY.replace("NAME", "worker")),
        ]);
        let k8s = Kubernetes::build(&model);
        let place = |name: &str| {
            let o = k8s.objects().iter().find(|o| o.name() == name).unwrap();
            let mut v: Vec<(Option<String>, &str)> = k8s
                .placements(o)
                .iter()
                .map(|p| {
                    (
                        p.build.map(|b| b.to_string_lossy().into_owned()),
                        namespace_name(p.namespace),
                    )
                })
                .collect();
            v.sort();
            v
        };
        // The base is deployed by both overlays, not on its own.
        assert_eq!(
            place("app"),
            [
                (Some("overlays/dev/kustomization.yaml".into()), "default"),
                (Some("overlays/prod/kustomization.yaml".into()), "prod"),
            ]
        );
        assert_eq!(
            place("np"),
            [(Some("overlays/prod/kustomization.yaml".into()), "prod")]
        );
        assert_eq!(place("np2"), []);
        assert_eq!(place("worker"), [(None, "default")]);
        let worker = k8s.objects().iter().find(|o| o.name() == "worker").unwrap();
        assert_eq!(k8s.placements(worker)[0].tree, "other");
        assert!(same_namespace(None, Some("default")) && !same_namespace(None, Some("app")));
    }

    #[test]
    fn kustomize_labels_reach_pods_and_selectors_of_what_they_build() {
        let np = |name: &str, selector: &str| {
            format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}}}\nspec: {{podSelector: {selector}}}\n")
        };
        let bare = DEPLOY
            .replace("NAME", "app")
            .replace("metadata: {labels: {app: app}}\n    ", "");
        let model = Model::from_memory(&[
            ("base/app.yaml", &bare),
            ("base/kustomization.yaml", "commonLabels: {app: web}\nresources: [app.yaml]\n"),
            // The overlay's value wins over the base's; the component's labels are the
            // overlay's; `labels` without includeSelectors/includeTemplates reach only
            // the Deployment's own metadata.
            ("prod/kustomization.yaml", "resources: [../base, np.yaml, policies]\ncomponents: [../tier]\nlabels:\n  - pairs: {env: prod}\n    includeSelectors: true\n  - pairs: {team: a}\ncommonLabels: {app: shop}\n"),
            ("prod/np.yaml", &np("shop", "{matchLabels: {app: shop}}")),
            ("prod/policies/kustomization.yaml", "commonLabels: {scope: policies}\nresources: [np.yaml]\n"),
            ("prod/policies/np.yaml", &np("scoped", "{matchLabels: {app: shop}}")),
            ("tier/kustomization.yaml", "kind: Component\nlabels:\n  - pairs: {tier: back}\n    includeTemplates: true\n"),
        ]);
        let k8s = Kubernetes::build(&model);
        let w = &k8s.workloads()[0];
        let at = k8s.placements(&w.obj).remove(0);
        let label = |k: &str| at.pod_label(w, k);
        assert_eq!(
            [label("app"), label("env"), label("tier"), label("team")],
            [Some("shop"), Some("prod"), Some("back"), None]
        );
        let policy = |name: &str| {
            let p = k8s.objects().iter().find(|o| o.name() == name).unwrap();
            let p_at = k8s.placements(p).remove(0);
            assert!(p_at.together(&at));
            policy_selects(p, &p_at, w, &at)
        };
        // `env: prod` is added to both the pods and the policy's matchLabels.
        assert!(policy("shop"));
        // `scope: policies` is added to the selector only: it selects nothing.
        assert!(!policy("scoped"));
        // Plain manifests keep their own labels.
        assert!(selects(None, None));
    }

    #[test]
    fn a_bare_container_lacks_what_the_pod_does_not_supply() {
        let pod = |sc: &str| {
            format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {sc}\n  containers:\n    - name: a\n      image: x\n    - name: b\n      image: x\n      securityContext: {{privileged: false}}\n")
        };
        let gaps = |sc: &str| {
            let text = pod(sc);
            let model = Model::from_memory(&[("p.yaml", &text)]);
            let k8s = Kubernetes::build(&model);
            let w = &k8s.workloads()[0];
            assert_eq!(w.bare_container_gaps(&w.containers()[1]), None);
            w.bare_container_gaps(&w.containers()[0]).unwrap()
        };
        assert_eq!(gaps("hostNetwork: false").len(), 5);
        assert_eq!(
            gaps("securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}"),
            [
                Hardening::NoPrivilegeEscalation,
                Hardening::DropAllCapabilities,
                Hardening::ReadOnlyRoot
            ]
        );
        assert_eq!(
            gaps("securityContext: {runAsNonRoot: true, runAsUser: 0}")[0],
            Hardening::NonRoot
        );
        let (msg, fix) =
            Hardening::combined("Pod `p`, container `a`", &gaps("hostNetwork: false")[3..]);
        assert_eq!(
            msg,
            "Pod `p`, container `a`: no `securityContext`, so it has a writable root filesystem and has no confining seccomp profile"
        );
        assert_eq!(
            fix,
            "add to the container:\nsecurityContext:\n  readOnlyRootFilesystem: true\n  seccompProfile: {type: RuntimeDefault}"
        );
    }

    #[test]
    fn label_selectors() {
        let model = Model::from_memory(&[(
            "p.yaml",
            "apiVersion: v1\nkind: X\nmetadata: {name: x}\nlabels: {app: web, tier: front}\nsel:\n  a: {matchLabels: {app: web}}\n  b: {matchLabels: {app: db}}\n  c: {matchExpressions: [{key: tier, operator: In, values: [front, back]}]}\n  d: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}\n  e: {matchExpressions: [{key: team, operator: DoesNotExist}]}\n  f: {}\n",
        )]);
        let doc = &model.yaml()[0].docs[0];
        let labels = doc.get("labels");
        let sel = |k: &str| selects(doc.path(&["sel", k]), labels);
        assert!(sel("a") && !sel("b") && sel("c") && !sel("d") && sel("e") && sel("f"));
    }
}
