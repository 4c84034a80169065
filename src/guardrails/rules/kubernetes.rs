//! Kubernetes manifests: workloads (every container and init container), their pod
//! specs, Services, NetworkPolicies and RBAC.

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};
use crate::parse::yaml::{Node, YamlFile};
use paved_model::k8s::{Container, Object, Workload};

/// Shims over the Kubernetes view until this domain is converted to one rule per file.
fn objects<'a>(ctx: &CheckCtx<'a>) -> Vec<Object<'a>> {
    ctx.k8s().objects().to_vec()
}

fn workloads<'a>(ctx: &CheckCtx<'a>) -> &'a [Workload<'a>] {
    ctx.k8s().workloads()
}

fn kustomizations<'a>(ctx: &CheckCtx<'a>) -> impl Iterator<Item = (&'a YamlFile, &'a Node)> {
    ctx.k8s().kustomizations().iter().copied()
}

trait ContainerExt<'a> {
    fn sc(&self) -> &'a Node;
}

impl<'a> ContainerExt<'a> for Container<'a> {
    fn sc(&self) -> &'a Node {
        self.security_context()
    }
}

/// A security-context field, container level overriding pod level.
fn effective<'a>(c: &Container<'a>, pod: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
    c.sc()
        .get_entry(key)
        .or_else(|| pod.get_or_empty("securityContext").get_entry(key))
}

/// Runs `f` for every container of every workload.
fn for_containers(
    ctx: &CheckCtx<'_>,
    out: &mut Emitter<'_>,
    f: impl Fn(&Workload<'_>, &Container<'_>, &mut dyn FnMut(u32, String)),
) {
    for w in workloads(ctx) {
        for c in w.containers() {
            let path = w.obj.path;
            let mut emit = |line: u32, msg: String| {
                out.emit(
                    path,
                    Some(line),
                    format!(
                        "{} `{}`, container `{}`: {msg}",
                        w.obj.kind(),
                        w.obj.name(),
                        c.name
                    ),
                )
            };
            f(w, c, &mut emit);
        }
    }
}

// ---------------------------------------------------------------- container rules

fn check_privileged(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        if let Some((k, v)) = c.sc().get_entry("privileged") {
            if v.as_bool() == Some(true) {
                emit(
                    k.line(),
                    "runs privileged: full access to the node's devices and kernel".into(),
                );
            }
        }
    });
}

fn check_run_as_root(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |w, c, emit| {
        let user = effective(c, w.pod, "runAsUser");
        let non_root = effective(c, w.pod, "runAsNonRoot");
        if let Some((k, v)) = user {
            if v.as_i64() == Some(0) {
                emit(k.line(), "runs as UID 0 (root)".into());
                return;
            }
        }
        match non_root {
            Some((k, v)) if v.as_bool() != Some(true) => emit(
                k.line(),
                "`runAsNonRoot` is not true: the image's user (often root) is used".into(),
            ),
            Some(_) => {}
            None if user.and_then(|(_, v)| v.as_i64()).is_some_and(|u| u > 0) => {}
            None => emit(
                c.line,
                "neither `runAsNonRoot: true` nor a non-zero `runAsUser`: may run as root".into(),
            ),
        }
    });
}

fn check_uid_range(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |w, c, emit| {
        if let Some((k, v)) = effective(c, w.pod, "runAsUser") {
            if let Some(uid) = v.as_i64() {
                if uid > 0 && uid < 10000 {
                    emit(
                        k.line(),
                        format!(
                            "runs as UID {uid}, which may collide with a host user (use >= 10000)"
                        ),
                    );
                }
            }
        }
    });
}

fn check_privilege_escalation(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        match c.sc().get_entry("allowPrivilegeEscalation") {
        Some((_, v)) if v.as_bool() == Some(false) => {}
        Some((k, _)) => emit(k.line(), "`allowPrivilegeEscalation` is not false".into()),
        None => emit(c.line, "`allowPrivilegeEscalation: false` is not set (setuid binaries can gain privileges)".into()),
    }
    });
}

const DANGEROUS_CAPS: &[&str] = &[
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

fn added_caps<'a>(c: &Container<'a>) -> Vec<(&'a str, u32)> {
    c.sc()
        .path(&["capabilities", "add"])
        .map(|a| {
            a.items()
                .iter()
                .filter_map(|i| i.as_str().map(|s| (s, i.line())))
                .collect()
        })
        .unwrap_or_default()
}

fn is_dangerous_cap(cap: &str) -> bool {
    let cap = cap.trim().to_ascii_uppercase();
    let cap = cap.strip_prefix("CAP_").unwrap_or(&cap);
    DANGEROUS_CAPS.contains(&cap)
}

fn check_dangerous_caps(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        for (cap, line) in added_caps(c) {
            if is_dangerous_cap(cap) {
                emit(line, format!("adds capability {cap}"));
            }
        }
    });
}

fn check_added_caps(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        for (cap, line) in added_caps(c) {
            if !is_dangerous_cap(cap) {
                emit(line, format!("adds capability {cap}"));
            }
        }
    });
}

fn check_drop_all(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        let drop = c.sc().path(&["capabilities", "drop"]);
        let drops_all = drop.is_some_and(|d| {
            d.items()
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
        });
        if !drops_all {
            let line = c
                .sc()
                .get_or_empty("capabilities")
                .key_line("drop")
                .unwrap_or(c.line);
            emit(line, "does not drop ALL capabilities".into());
        }
    });
}

fn check_read_only_root(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        match c.sc().get_entry("readOnlyRootFilesystem") {
            Some((_, v)) if v.as_bool() == Some(true) => {}
            Some((k, _)) => emit(k.line(), "root filesystem is writable".into()),
            None => emit(c.line, "`readOnlyRootFilesystem: true` is not set".into()),
        }
    });
}

fn check_resources(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>, which: &str, param: &str) {
    let required = ctx.params.strings(param, &["cpu", "memory"]);
    for_containers(ctx, out, |_, c, emit| {
        let res = c.node.get_or_empty("resources");
        let set = res.get_or_empty(which);
        let missing: Vec<&str> = required
            .iter()
            .map(String::as_str)
            .filter(|r| set.get(r).map_or(true, Node::is_null))
            .collect();
        if !missing.is_empty() {
            let line = res
                .key_line(which)
                .or(c.node.key_line("resources"))
                .unwrap_or(c.line);
            emit(line, format!("no {which} for {}", missing.join(", ")));
        }
    });
}

fn check_limits(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    check_resources(ctx, out, "limits", "k8s_required_limits");
}

fn check_requests(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    check_resources(ctx, out, "requests", "k8s_required_requests");
}

/// `(tag, has_digest)` of an image reference.
fn image_parts(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

fn check_image_tag(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        let Some((k, v)) = c.node.get_entry("image") else {
            return;
        };
        let Some(image) = v.as_str() else { return };
        match image_parts(image.trim()) {
            (_, true) => {}
            (Some(t), false) if !t.eq_ignore_ascii_case("latest") => {}
            (Some(_), false) => emit(k.line(), format!("image `{image}` uses the `latest` tag")),
            (None, false) => emit(
                k.line(),
                format!("image `{image}` has no tag (means `latest`)"),
            ),
        }
    });
}

fn check_image_digest(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        let Some((k, v)) = c.node.get_entry("image") else {
            return;
        };
        let Some(image) = v.as_str() else { return };
        if !image.contains("@sha256:") {
            emit(k.line(), format!("image `{image}` is not pinned by digest"));
        }
    });
}

fn check_seccomp(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |w, c, emit| {
        let profile = effective(c, w.pod, "seccompProfile");
        let kind = profile.and_then(|(_, p)| p.get_entry("type"));
        match kind {
            Some((_, t)) if matches!(t.as_str(), Some("RuntimeDefault") | Some("Localhost")) => {}
            Some((k, t)) => emit(
                k.line(),
                format!(
                    "seccomp profile `{}` leaves every syscall open",
                    t.as_str().unwrap_or("?")
                ),
            ),
            None => emit(
                profile.map(|(k, _)| k.line()).unwrap_or(c.line),
                "no seccomp profile (`seccompProfile: {type: RuntimeDefault}`)".into(),
            ),
        }
    });
}

fn check_probes(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>, probe: &str) {
    for w in workloads(ctx) {
        if !matches!(w.obj.kind(), "Deployment" | "StatefulSet") {
            continue;
        }
        for c in w.containers().iter().filter(|c| !c.init) {
            if c.node.get(probe).is_none() {
                out.emit(
                    w.obj.path,
                    Some(c.line),
                    format!(
                        "{} `{}`, container `{}`: no {probe}",
                        w.obj.kind(),
                        w.obj.name(),
                        c.name
                    ),
                );
            }
        }
    }
}

fn check_liveness(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    check_probes(ctx, out, "livenessProbe");
}

fn check_readiness(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    check_probes(ctx, out, "readinessProbe");
}

fn check_host_port(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        for p in c.node.get_or_empty("ports").items() {
            if let Some((k, v)) = p.get_entry("hostPort") {
                if v.as_i64().is_some_and(|n| n != 0) {
                    emit(
                        k.line(),
                        format!("binds host port {}", v.as_str().unwrap_or("?")),
                    );
                }
            }
        }
    });
}

fn check_env_secrets(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for_containers(ctx, out, |_, c, emit| {
        for e in c.node.get_or_empty("env").items() {
            if let Some(k) = e.get_or_empty("valueFrom").key_line("secretKeyRef") {
                emit(
                    k,
                    format!(
                        "secret exposed as environment variable `{}`",
                        e.str_at("name").unwrap_or("?")
                    ),
                );
            }
        }
        for e in c.node.get_or_empty("envFrom").items() {
            if let Some(k) = e.key_line("secretRef") {
                emit(k, "whole secret exposed as environment variables".into());
            }
        }
    });
}

// ---------------------------------------------------------------- pod rules

fn check_host_namespaces(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for w in workloads(ctx) {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some((k, v)) = w.pod.get_entry(key) {
                if v.as_bool() == Some(true) {
                    out.emit(
                        w.obj.path,
                        Some(k.line()),
                        format!(
                            "{} `{}` shares the node's namespace: `{key}: true`",
                            w.obj.kind(),
                            w.obj.name()
                        ),
                    );
                }
            }
        }
    }
}

fn check_host_path(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for w in workloads(ctx) {
        for v in w.pod.get_or_empty("volumes").items() {
            if let Some((k, hp)) = v.get_entry("hostPath") {
                let p = hp.str_at("path").unwrap_or("?");
                out.emit(
                    w.obj.path,
                    Some(k.line()),
                    format!("{} `{}` mounts host path `{p}`", w.obj.kind(), w.obj.name()),
                );
            }
        }
    }
}

fn same_ns(a: Option<&str>, b: Option<&str>) -> bool {
    a.unwrap_or("") == b.unwrap_or("")
}

fn check_automount(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let all = objects(ctx);
    for w in workloads(ctx) {
        match w.pod.get_entry("automountServiceAccountToken") {
            Some((_, v)) if v.as_bool() == Some(false) => {}
            Some((k, _)) => out.emit(
                w.obj.path,
                Some(k.line()),
                format!(
                    "{} `{}` mounts a service account token",
                    w.obj.kind(),
                    w.obj.name()
                ),
            ),
            None => {
                let sa = w
                    .pod
                    .str_at("serviceAccountName")
                    .or(w.pod.str_at("serviceAccount"))
                    .unwrap_or("default");
                let sa_off = all.iter().any(|o| {
                    o.kind() == "ServiceAccount"
                        && o.name() == sa
                        && same_ns(o.namespace(), w.obj.namespace())
                        && o.node.bool_at("automountServiceAccountToken") == Some(false)
                });
                if !sa_off {
                    out.emit(
                        w.obj.path,
                        Some(w.pod_line),
                        format!(
                            "{} `{}` mounts the token of service account `{sa}` (neither the pod nor the account sets `automountServiceAccountToken: false`)",
                            w.obj.kind(),
                            w.obj.name()
                        ),
                    );
                }
            }
        }
    }
}

fn check_default_service_account(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for w in workloads(ctx) {
        let sa = w
            .pod
            .get_entry("serviceAccountName")
            .or(w.pod.get_entry("serviceAccount"));
        match sa {
            Some((k, v)) if v.as_str() == Some("default") => out.emit(
                w.obj.path,
                Some(k.line()),
                format!(
                    "{} `{}` uses the namespace's default service account",
                    w.obj.kind(),
                    w.obj.name()
                ),
            ),
            Some(_) => {}
            None => out.emit(
                w.obj.path,
                Some(w.pod_line),
                format!(
                    "{} `{}` has no `serviceAccountName`, so it uses the default service account",
                    w.obj.kind(),
                    w.obj.name()
                ),
            ),
        }
    }
}

fn kustomize_sets_namespace(ctx: &CheckCtx<'_>) -> bool {
    kustomizations(ctx).any(|(_, root)| root.str_at("namespace").is_some())
}

fn check_default_namespace(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let kustomized = kustomize_sets_namespace(ctx);
    for w in workloads(ctx) {
        let meta = w.obj.node.get_or_empty("metadata");
        match meta.get_entry("namespace") {
            Some((k, v)) if v.as_str() == Some("default") => out.emit(
                w.obj.path,
                Some(k.line()),
                format!("{} `{}` is in the default namespace", w.obj.kind(), w.obj.name()),
            ),
            Some(_) => {}
            None if kustomized => {}
            None => out.emit(
                w.obj.path,
                Some(w.obj.line()),
                format!("{} `{}` has no namespace and lands in whatever namespace is current, usually `default`", w.obj.kind(), w.obj.name()),
            ),
        }
    }
}

/// Whether `selector` (a podSelector) selects pods with `labels`.
fn selects(selector: Option<&Node>, labels: Option<&Node>) -> bool {
    let Some(sel) = selector else { return true };
    if sel
        .get("matchExpressions")
        .is_some_and(|m| !m.items().is_empty())
    {
        return true; // not evaluated: assume it selects
    }
    let Some(ml) = sel.get("matchLabels") else {
        return true;
    };
    ml.entries().all(|(k, _, v)| {
        labels
            .and_then(|l| l.get(k))
            .and_then(Node::as_str)
            .is_some_and(|lv| Some(lv) == v.as_str())
    })
}

fn check_network_policy(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let all = objects(ctx);
    let policies: Vec<&Object<'_>> = all.iter().filter(|o| o.kind() == "NetworkPolicy").collect();
    for w in workloads(ctx) {
        let covered = policies.iter().any(|p| {
            same_ns(p.namespace(), w.obj.namespace())
                && selects(p.node.path(&["spec", "podSelector"]), w.labels)
        });
        if !covered {
            out.emit(
                w.obj.path,
                Some(w.obj.line()),
                format!(
                    "no NetworkPolicy in namespace `{}` selects {} `{}`: its pods accept and send any traffic",
                    w.obj.namespace().unwrap_or("(unset)"),
                    w.obj.kind(),
                    w.obj.name()
                ),
            );
        }
    }
}

/// A NetworkPolicy that selects every pod and allows nothing in either direction.
fn is_default_deny(policy: &Node) -> bool {
    let spec = policy.get_or_empty("spec");
    let selects_all = spec.get("podSelector").map_or(true, |sel| {
        sel.get("matchLabels")
            .map_or(true, |m| m.entries().next().is_none())
            && sel
                .get("matchExpressions")
                .map_or(true, |m| m.items().is_empty())
    });
    let types: Vec<&str> = spec
        .get_or_empty("policyTypes")
        .items()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let no_rules = |k: &str| {
        spec.get(k)
            .map_or(true, |r| r.items().is_empty() && !r.is_map())
    };
    selects_all
        && types.contains(&"Ingress")
        && types.contains(&"Egress")
        && no_rules("ingress")
        && no_rules("egress")
}

fn check_default_deny(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let all = objects(ctx);
    let mut reported: Vec<&str> = Vec::new();
    for w in workloads(ctx) {
        let ns = w.obj.namespace().unwrap_or("");
        if reported.contains(&ns) {
            continue;
        }
        let denied = all.iter().any(|o| {
            o.kind() == "NetworkPolicy"
                && same_ns(o.namespace(), w.obj.namespace())
                && is_default_deny(o.node)
        });
        if !denied {
            reported.push(ns);
            out.emit(
                w.obj.path,
                Some(w.obj.line()),
                format!(
                    "namespace `{}` has no default-deny NetworkPolicy (podSelector {{}}, policyTypes Ingress and Egress, no rules)",
                    w.obj.namespace().unwrap_or("(unset)")
                ),
            );
        }
    }
}

// ---------------------------------------------------------------- other objects

fn check_service_type(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for o in objects(ctx).iter().filter(|o| o.kind() == "Service") {
        if let Some((k, v)) = o.node.get_or_empty("spec").get_entry("type") {
            if matches!(v.as_str(), Some("NodePort") | Some("LoadBalancer")) {
                out.emit(
                    o.path,
                    Some(k.line()),
                    format!(
                        "Service `{}` of type {} is reachable from outside the cluster",
                        o.name(),
                        v.as_str().unwrap_or("?")
                    ),
                );
            }
        }
    }
}

fn check_cluster_admin(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for o in objects(ctx)
        .iter()
        .filter(|o| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding"))
    {
        if let Some((k, v)) = o.node.get_or_empty("roleRef").get_entry("name") {
            if v.as_str() == Some("cluster-admin") {
                out.emit(
                    o.path,
                    Some(k.line()),
                    format!("{} `{}` grants cluster-admin", o.kind(), o.name()),
                );
            }
        }
    }
}

fn rbac_rules<'a>(ctx: &CheckCtx<'a>) -> Vec<(Object<'a>, &'a Node)> {
    let mut out = Vec::new();
    for o in objects(ctx) {
        if matches!(o.kind(), "Role" | "ClusterRole") {
            for r in o.node.get_or_empty("rules").items() {
                out.push((
                    Object {
                        path: o.path,
                        node: o.node,
                    },
                    r,
                ));
            }
        }
    }
    out
}

fn strings(n: &Node) -> Vec<(&str, u32)> {
    n.items()
        .iter()
        .filter_map(|i| i.as_str().map(|s| (s, i.line())))
        .collect()
}

fn check_rbac_wildcards(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (o, rule) in rbac_rules(ctx) {
        for field in ["verbs", "resources"] {
            for (s, line) in strings(rule.get_or_empty(field)) {
                if s == "*" {
                    out.emit(
                        o.path,
                        Some(line),
                        format!("{} `{}` grants `*` {field}", o.kind(), o.name()),
                    );
                }
            }
        }
    }
}

fn check_rbac_sensitive(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for (o, rule) in rbac_rules(ctx) {
        let verbs: Vec<&str> = strings(rule.get_or_empty("verbs"))
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let resources = strings(rule.get_or_empty("resources"));
        for (v, line) in strings(rule.get_or_empty("verbs")) {
            if matches!(v, "escalate" | "bind" | "impersonate") {
                out.emit(
                    o.path,
                    Some(line),
                    format!(
                        "{} `{}` grants `{v}`, a privilege-escalation verb",
                        o.kind(),
                        o.name()
                    ),
                );
            }
        }
        for (r, line) in resources {
            let reads = verbs.iter().any(|v| matches!(*v, "get" | "list" | "watch"));
            let creates = verbs.contains(&"create");
            if r == "secrets" && reads {
                out.emit(
                    o.path,
                    Some(line),
                    format!("{} `{}` can read secrets", o.kind(), o.name()),
                );
            }
            if matches!(r, "pods/exec" | "pods/attach") && creates {
                out.emit(
                    o.path,
                    Some(line),
                    format!("{} `{}` can exec into pods", o.kind(), o.name()),
                );
            }
        }
    }
}

macro_rules! rule {
    ($id:literal, $title:literal, $sev:ident, $why:literal, $fix:literal, [$($r:literal),*], $check:ident) => {
        Rule {
            meta: RuleMeta {
                id: $id,
                title: $title,
                domain: Domain::Kubernetes,
                severity: Severity::$sev,
                rationale: $why,
                remediation: $fix,
                references: &[$($r),*],
            },
            check: $check,
        }
    };
}

pub static RULES: &[Rule] = &[
    rule!("PVD-KUBE-001", "Container runs privileged", Critical,
        "A privileged container has every capability and all host devices; escaping to the node is trivial.",
        "Remove `privileged: true`; grant the single capability needed, if any.",
        ["checkov:CKV_K8S_16", "checkov:CKV_K8S_2", "kube-linter:privileged-container", "trivy:KSV-0017", "cis-k8s:5.2.2"],
        check_privileged),
    rule!("PVD-KUBE-002", "Container may run as root", High,
        "Root in a container is root on the node once any isolation bug or mount slips; most escapes need it.",
        "Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` (pod or container level) and build the image with a numeric non-root USER.",
        ["checkov:CKV_K8S_23", "checkov:CKV_K8S_6", "kube-linter:run-as-non-root", "trivy:KSV-0012", "cis-k8s:5.2.7"],
        check_run_as_root),
    rule!("PVD-KUBE-003", "Privilege escalation not disabled", High,
        "Without `allowPrivilegeEscalation: false` a setuid binary or file capability inside the container can raise the process's privileges.",
        "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        ["checkov:CKV_K8S_20", "kube-linter:privilege-escalation-container", "trivy:KSV-0001", "cis-k8s:5.2.6"],
        check_privilege_escalation),
    rule!("PVD-KUBE-004", "Pod shares host namespaces", Critical,
        "hostNetwork, hostPID or hostIPC let the pod see and reach the node's network stack, processes or shared memory: other pods' traffic, process secrets, local-only services.",
        "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them false).",
        ["checkov:CKV_K8S_17", "checkov:CKV_K8S_18", "checkov:CKV_K8S_19", "trivy:KSV-0008", "trivy:KSV-0009", "trivy:KSV-0010", "cis-k8s:5.2.3", "cis-k8s:5.2.4", "cis-k8s:5.2.5"],
        check_host_namespaces),
    rule!("PVD-KUBE-005", "Container adds a dangerous capability", Critical,
        "SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, ALL and similar capabilities give near-root power over the kernel or the network and are the usual escape route.",
        "Remove the capability from `capabilities.add`; redesign the workload so it does not need it.",
        ["checkov:CKV_K8S_39", "checkov:CKV_K8S_28", "trivy:KSV-0005", "cis-k8s:5.2.8", "cis-k8s:5.2.9"],
        check_dangerous_caps),
    rule!("PVD-KUBE-006", "Container adds a capability", Low,
        "Every added capability widens what a compromised process can do; most services need none.",
        "Drop the `add` entry, or keep only NET_BIND_SERVICE when binding a port below 1024 is unavoidable.",
        ["trivy:KSV-0022", "cis-k8s:5.2.9"],
        check_added_caps),
    rule!("PVD-KUBE-007", "Container does not drop all capabilities", High,
        "Container runtimes grant a default set of capabilities (e.g. NET_RAW for ARP/DNS spoofing); unless they are dropped a compromised process keeps them.",
        "Set `securityContext.capabilities.drop: [\"ALL\"]` and add back only what is proven necessary.",
        ["checkov:CKV_K8S_37", "checkov:CKV_K8S_28", "trivy:KSV-0003", "cis-k8s:5.2.10"],
        check_drop_all),
    rule!("PVD-KUBE-008", "Root filesystem is writable", Medium,
        "A writable root filesystem lets an attacker drop tools and persist changes to binaries inside the container.",
        "Set `securityContext.readOnlyRootFilesystem: true`; mount an `emptyDir` for the paths that must be writable (e.g. /tmp).",
        ["checkov:CKV_K8S_22", "kube-linter:no-read-only-root-fs", "trivy:KSV-0014"],
        check_read_only_root),
    rule!("PVD-KUBE-009", "Container has no resource limits", Medium,
        "Without limits one container (or one attacker) can exhaust the node's memory or CPU and take down its neighbours.",
        "Set `resources.limits` for the resources in param `k8s_required_limits` (default cpu and memory).",
        ["checkov:CKV_K8S_11", "checkov:CKV_K8S_13", "kube-score:container-resources", "trivy:KSV-0011", "trivy:KSV-0018"],
        check_limits),
    rule!("PVD-KUBE-010", "Container has no resource requests", Low,
        "Without requests the scheduler cannot place the pod sensibly and it is the first evicted under pressure.",
        "Set `resources.requests` for the resources in param `k8s_required_requests` (default cpu and memory).",
        ["checkov:CKV_K8S_10", "checkov:CKV_K8S_12", "trivy:KSV-0015", "trivy:KSV-0016"],
        check_requests),
    rule!("PVD-KUBE-011", "Container image uses latest or no tag", Medium,
        "`latest` (or no tag) means whatever was pushed last: deployments are not reproducible and a pushed malicious image is picked up on the next restart.",
        "Use an explicit version tag, ideally with a digest: `image: registry/app:1.4.2@sha256:…`.",
        ["checkov:CKV_K8S_14", "kube-linter:latest-tag", "trivy:KSV-0013"],
        check_image_tag),
    rule!("PVD-KUBE-012", "Container image not pinned by digest", Low,
        "Tags can be moved; only a digest guarantees the image that was scanned is the one that runs.",
        "Append the digest: `image: registry/app:1.4.2@sha256:…`, updated by renovate/dependabot.",
        ["checkov:CKV_K8S_43", "scorecard:Pinned-Dependencies"],
        check_image_digest),
    rule!("PVD-KUBE-013", "Service account token mounted", Medium,
        "Every pod gets an API token by default; an attacker in the pod can use it against the Kubernetes API with whatever RBAC the account has.",
        "Set `automountServiceAccountToken: false` on the pod spec or its ServiceAccount; mount a projected token only where the API is really used.",
        ["checkov:CKV_K8S_38", "cis-k8s:5.1.6"],
        check_automount),
    rule!("PVD-KUBE-014", "No seccomp profile", Medium,
        "Without seccomp the container can call every syscall, including the rarely used ones behind many kernel exploits.",
        "Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (or Localhost with a reviewed profile).",
        ["checkov:CKV_K8S_31", "checkov:CKV_K8S_32", "trivy:KSV-0030", "cis-k8s:5.7.2"],
        check_seccomp),
    rule!("PVD-KUBE-015", "Pod mounts a host path", High,
        "hostPath volumes expose the node's filesystem; /var/run/docker.sock, /proc or / give full control of the node.",
        "Use emptyDir, ConfigMap, Secret or a PersistentVolumeClaim instead of hostPath.",
        ["checkov:CKV_K8S_27", "kube-linter:docker-sock", "trivy:KSV-0023", "trivy:KSV-0006"],
        check_host_path),
    rule!("PVD-KUBE-016", "Container has no liveness probe", Low,
        "A hung process without a liveness probe keeps receiving traffic and never restarts.",
        "Add a `livenessProbe` (e.g. HTTP GET on the health endpoint).",
        ["checkov:CKV_K8S_8"],
        check_liveness),
    rule!("PVD-KUBE-017", "Container has no readiness probe", Low,
        "Without a readiness probe traffic reaches pods that are still starting or are degraded.",
        "Add a `readinessProbe` (e.g. HTTP GET on the readiness endpoint).",
        ["checkov:CKV_K8S_9"],
        check_readiness),
    rule!("PVD-KUBE-018", "Workload in the default namespace", Low,
        "The default namespace is shared by everything deployed carelessly; policies, quotas and RBAC cannot be scoped to the service.",
        "Set `metadata.namespace` to the service's own namespace (or set `namespace:` in kustomization.yaml).",
        ["checkov:CKV_K8S_21", "kube-linter:use-namespace", "cis-k8s:5.7.4"],
        check_default_namespace),
    rule!("PVD-KUBE-019", "No NetworkPolicy selects the workload", Medium,
        "Pods not selected by any NetworkPolicy accept connections from, and connect to, anything in the cluster: one compromised pod reaches all others.",
        "Add a default-deny NetworkPolicy (`podSelector: {}`, policyTypes Ingress and Egress) in the namespace and allow only the flows the service needs.",
        ["checkov:CKV2_K8S_6", "kube-score:pod-networkpolicy", "kube-linter:non-isolated-pod", "cis-k8s:5.3.2"],
        check_network_policy),
    rule!("PVD-KUBE-020", "Service exposed outside the cluster", Low,
        "NodePort and LoadBalancer Services open the workload to networks beyond the cluster, bypassing the ingress layer's TLS, authentication and rate limits.",
        "Use a ClusterIP Service behind an Ingress/Gateway, unless direct exposure is intended (then waive with a reason).",
        [],
        check_service_type),
    rule!("PVD-KUBE-021", "Binding grants cluster-admin", High,
        "cluster-admin can do anything in every namespace; a compromised subject owns the cluster.",
        "Bind a Role with only the verbs and resources needed, in the service's namespace.",
        ["cis-k8s:5.1.1"],
        check_cluster_admin),
    rule!("PVD-KUBE-022", "RBAC role uses wildcards", High,
        "`*` in verbs or resources grants today's and tomorrow's permissions alike, including secrets and escalation paths.",
        "List the exact verbs and resources the subject needs.",
        ["checkov:CKV_K8S_49", "trivy:KSV-0044", "trivy:KSV-0045", "trivy:KSV-0046", "cis-k8s:5.1.3"],
        check_rbac_wildcards),
    rule!("PVD-KUBE-023", "Container binds a host port", Medium,
        "hostPort ties the pod to the node's network interface, bypasses NetworkPolicies on some CNIs and limits scheduling.",
        "Remove `hostPort`; expose the port through a Service.",
        ["checkov:CKV_K8S_26", "trivy:KSV-0024"],
        check_host_port),
    rule!("PVD-KUBE-024", "Secret passed as environment variable", Low,
        "Environment variables leak into crash dumps, child processes and debug endpoints, and cannot be rotated without a restart.",
        "Mount the secret as a read-only file volume and read it from there.",
        ["checkov:CKV_K8S_35", "kube-linter:env-var-secret"],
        check_env_secrets),
    rule!("PVD-KUBE-025", "Workload uses the default service account", Medium,
        "The default service account is shared by every pod in the namespace; permissions granted to it for one workload reach all of them.",
        "Create a dedicated ServiceAccount (with `automountServiceAccountToken: false`) and set `serviceAccountName`.",
        ["checkov:CKV_K8S_41", "kube-linter:default-service-account", "cis-k8s:5.1.5"],
        check_default_service_account),
    rule!("PVD-KUBE-026", "Container runs with a low UID", Low,
        "UIDs below 10000 may match a real user on the node; if the container escapes, it acts as that user.",
        "Run as a UID of 10000 or above (`runAsUser: 10001`).",
        ["checkov:CKV_K8S_40", "trivy:KSV-0020"],
        check_uid_range),
    rule!("PVD-KUBE-027", "RBAC role grants sensitive access", High,
        "Reading secrets, exec into pods, or the escalate/bind/impersonate verbs each let a subject obtain more privileges than the role states.",
        "Remove access to secrets and pods/exec, and the escalate, bind and impersonate verbs, from service roles.",
        ["checkov:CKV_K8S_157", "checkov:CKV_K8S_158", "trivy:KSV-0041", "trivy:KSV-0053", "cis-k8s:5.1.2"],
        check_rbac_sensitive),
    rule!("PVD-KUBE-028", "Namespace has no default-deny NetworkPolicy", Low,
        "Allow-list policies only isolate the pods they select; a default-deny policy makes every new workload isolated until its flows are allowed explicitly.",
        "Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no rules to each namespace, then allow the needed flows (including DNS egress) in separate policies.",
        ["cis-k8s:5.3.2", "kube-score:pod-networkpolicy"],
        check_default_deny),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{check_all, Params, RepoModel};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A hardened service: every rule of this module must stay silent on it.
    fn golden() -> String {
        format!(
            r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: app
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: app
spec:
  selector:
    matchLabels: {{app: app}}
  template:
    metadata:
      labels:
        app: app
    spec:
      serviceAccountName: app
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: ghcr.io/org/app:1.2.3@{DIGEST}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          livenessProbe:
            httpGet: {{path: /healthz, port: 8080}}
          readinessProbe:
            httpGet: {{path: /readyz, port: 8080}}
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: app
spec:
  type: ClusterIP
  selector: {{app: app}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: app
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app
  namespace: app
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app
  namespace: app
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: app
subjects:
  - kind: ServiceAccount
    name: app
"#
        )
    }

    fn hits(text: &str) -> Vec<(String, Option<u32>)> {
        let model = RepoModel::from_memory(&[("deploy/app.yaml", text)]);
        assert!(
            model.model().parse_warnings().is_empty(),
            "{:?}",
            model.model().parse_warnings()
        );
        let mut h: Vec<_> = check_all(&model, &Params::default(), RULES)
            .into_iter()
            .map(|h| (h.rule.to_owned(), h.line))
            .collect();
        h.sort();
        h
    }

    fn one(id: &str, line: u32) -> Vec<(String, Option<u32>)> {
        vec![(id.to_owned(), Some(line))]
    }

    fn weaken(from: &str, to: &str) -> Vec<(String, Option<u32>)> {
        let g = golden();
        assert!(g.contains(from), "golden lacks {from:?}");
        hits(&g.replacen(from, to, 1))
    }

    #[test]
    fn golden_manifest_is_clean() {
        assert!(hits(&golden()).is_empty(), "{:?}", hits(&golden()));
    }

    #[test]
    fn k8s001_privileged() {
        assert_eq!(
            weaken(
                "            allowPrivilegeEscalation: false\n",
                "            allowPrivilegeEscalation: false\n            privileged: true\n"
            ),
            one("PVD-KUBE-001", 33)
        );
    }

    #[test]
    fn k8s002_run_as_root() {
        assert_eq!(
            weaken("runAsUser: 10001", "runAsUser: 0"),
            one("PVD-KUBE-002", 25)
        );
        assert_eq!(
            weaken("        runAsNonRoot: true\n        runAsUser: 10001\n", ""),
            one("PVD-KUBE-002", 27)
        );
        // container level overrides pod level
        assert_eq!(
            weaken(
                "            allowPrivilegeEscalation: false\n",
                "            allowPrivilegeEscalation: false\n            runAsNonRoot: false\n"
            ),
            one("PVD-KUBE-002", 33)
        );
    }

    #[test]
    fn k8s003_privilege_escalation() {
        assert_eq!(
            weaken("            allowPrivilegeEscalation: false\n", ""),
            one("PVD-KUBE-003", 29)
        );
        assert_eq!(
            weaken(
                "allowPrivilegeEscalation: false",
                "allowPrivilegeEscalation: true"
            ),
            one("PVD-KUBE-003", 32)
        );
    }

    #[test]
    fn k8s004_host_namespaces() {
        assert_eq!(
            weaken(
                "      serviceAccountName: app\n",
                "      serviceAccountName: app\n      hostPID: true\n"
            ),
            one("PVD-KUBE-004", 22)
        );
    }

    #[test]
    fn k8s005_006_007_capabilities() {
        assert_eq!(
            weaken(
                "drop: [\"ALL\"]",
                "drop: [\"ALL\"]\n              add: [SYS_ADMIN]"
            ),
            one("PVD-KUBE-005", 36)
        );
        assert_eq!(
            weaken(
                "drop: [\"ALL\"]",
                "drop: [\"ALL\"]\n              add: [NET_BIND_SERVICE]"
            ),
            one("PVD-KUBE-006", 36)
        );
        assert_eq!(
            weaken("drop: [\"ALL\"]", "drop: [NET_RAW]"),
            one("PVD-KUBE-007", 35)
        );
    }

    #[test]
    fn k8s008_read_only_root() {
        assert_eq!(
            weaken(
                "readOnlyRootFilesystem: true",
                "readOnlyRootFilesystem: false"
            ),
            one("PVD-KUBE-008", 33)
        );
    }

    #[test]
    fn k8s009_010_resources() {
        assert_eq!(
            weaken("limits: {cpu: 500m, memory: 256Mi}", "limits: {cpu: 500m}"),
            one("PVD-KUBE-009", 38)
        );
        assert_eq!(
            weaken("            requests: {cpu: 100m, memory: 128Mi}\n", ""),
            one("PVD-KUBE-010", 36)
        );
    }

    #[test]
    fn k8s011_012_image() {
        assert_eq!(
            weaken(&format!("app:1.2.3@{DIGEST}"), "app:latest"),
            vec![
                ("PVD-KUBE-011".into(), Some(30)),
                ("PVD-KUBE-012".into(), Some(30))
            ]
        );
        assert_eq!(
            weaken(&format!("app:1.2.3@{DIGEST}"), "app:1.2.3"),
            one("PVD-KUBE-012", 30)
        );
        assert_eq!(image_parts("localhost:5000/app"), (None, false));
    }

    #[test]
    fn k8s013_automount() {
        // the pod's own setting removed: the ServiceAccount still disables it
        assert!(weaken("      automountServiceAccountToken: false\n", "").is_empty());
        let g = golden()
            .replacen("      automountServiceAccountToken: false\n", "", 1)
            .replacen("automountServiceAccountToken: false\n", "", 1);
        assert_eq!(hits(&g), one("PVD-KUBE-013", 19));
    }

    #[test]
    fn k8s014_seccomp() {
        assert_eq!(
            weaken("type: RuntimeDefault", "type: Unconfined"),
            one("PVD-KUBE-014", 27)
        );
    }

    #[test]
    fn k8s015_host_path() {
        assert_eq!(
            weaken("          ports:\n", "      volumes:\n        - name: sock\n          hostPath: {path: /var/run/docker.sock}\n          ports:\n"),
            // the inserted lines are a pod-level volumes list; ports moves into it harmlessly
            one("PVD-KUBE-015", 45)
        );
    }

    #[test]
    fn k8s016_017_probes() {
        assert_eq!(
            weaken(
                "          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n",
                ""
            ),
            one("PVD-KUBE-016", 29)
        );
        assert_eq!(
            weaken(
                "          readinessProbe:\n            httpGet: {path: /readyz, port: 8080}\n",
                ""
            ),
            one("PVD-KUBE-017", 29)
        );
    }

    #[test]
    fn k8s018_default_namespace() {
        let g = golden().replace("namespace: app", "namespace: default");
        assert_eq!(hits(&g), one("PVD-KUBE-018", 12));
    }

    #[test]
    fn k8s019_network_policy() {
        assert_eq!(
            weaken(
                "  podSelector: {}",
                "  podSelector: {matchLabels: {app: other}}"
            ),
            // a default-deny policy selects every pod, so 019 always comes with 028
            vec![
                ("PVD-KUBE-019".into(), Some(11)),
                ("PVD-KUBE-028".into(), Some(11))
            ]
        );
    }

    #[test]
    fn k8s028_default_deny() {
        assert_eq!(
            weaken(
                "  policyTypes: [Ingress, Egress]",
                "  policyTypes: [Ingress]"
            ),
            one("PVD-KUBE-028", 11)
        );
        assert_eq!(
            weaken(
                "  policyTypes: [Ingress, Egress]",
                "  policyTypes: [Ingress, Egress]\n  egress: [{}]"
            ),
            one("PVD-KUBE-028", 11)
        );
    }

    #[test]
    fn k8s020_service_type() {
        assert_eq!(
            weaken("type: ClusterIP", "type: LoadBalancer"),
            one("PVD-KUBE-020", 52)
        );
    }

    #[test]
    fn k8s021_022_027_rbac() {
        assert_eq!(
            weaken(
                "  kind: Role\n  name: app",
                "  kind: ClusterRole\n  name: cluster-admin"
            ),
            one("PVD-KUBE-021", 83)
        );
        assert_eq!(
            weaken("verbs: [get]", "verbs: [\"*\"]"),
            one("PVD-KUBE-022", 73)
        );
        assert_eq!(
            weaken("resources: [configmaps]", "resources: [secrets]"),
            one("PVD-KUBE-027", 72)
        );
        assert_eq!(
            weaken("verbs: [get]", "verbs: [get, impersonate]"),
            one("PVD-KUBE-027", 73)
        );
    }

    #[test]
    fn k8s023_host_port() {
        assert_eq!(
            weaken(
                "containerPort: 8080\n",
                "containerPort: 8080\n              hostPort: 8080\n"
            ),
            one("PVD-KUBE-023", 45)
        );
    }

    #[test]
    fn k8s024_env_secret() {
        assert_eq!(
            weaken("          ports:\n", "          env:\n            - name: DB\n              valueFrom:\n                secretKeyRef: {name: db, key: pw}\n          ports:\n"),
            one("PVD-KUBE-024", 46)
        );
    }

    #[test]
    fn k8s025_default_service_account() {
        let g = golden().replace("serviceAccountName: app", "serviceAccountName: default");
        // the default account has no automount setting in the repo either
        assert_eq!(hits(&g), vec![("PVD-KUBE-025".into(), Some(21))]);
    }

    #[test]
    fn k8s026_low_uid() {
        assert_eq!(
            weaken("runAsUser: 10001", "runAsUser: 1000"),
            one("PVD-KUBE-026", 25)
        );
    }

    #[test]
    fn kustomize_namespace_and_patches() {
        let g = golden().replace("  namespace: app\n", "");
        let kust =
            "namespace: app\nresources: [app.yaml]\npatches:\n  - path: ../patches/replicas.yaml\n";
        let patch =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 3\n";
        let model = RepoModel::from_memory(&[
            ("deploy/app.yaml", &g),
            ("deploy/kustomization.yaml", kust),
            ("patches/replicas.yaml", patch),
        ]);
        let h = check_all(&model, &Params::default(), RULES);
        assert!(h.is_empty(), "{h:?}");
    }

    #[test]
    fn cronjob_and_init_containers_are_checked() {
        let cj = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: app}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers:\n            - name: init\n              image: busybox\n              securityContext: {privileged: true}\n";
        let model = RepoModel::from_memory(&[("cron.yaml", cj)]);
        let ids: Vec<_> = check_all(&model, &Params::default(), RULES)
            .into_iter()
            .filter(|h| h.rule == "PVD-KUBE-001" || h.rule == "PVD-KUBE-011")
            .map(|h| (h.rule, h.line))
            .collect();
        assert_eq!(
            ids,
            [("PVD-KUBE-001", Some(12)), ("PVD-KUBE-011", Some(11))]
        );
    }
}
