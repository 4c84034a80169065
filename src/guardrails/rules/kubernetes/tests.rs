use super::rules;
use crate::guardrails::rules::finding_lines;
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

/// `file:line: [ID] message` of every finding of this domain's rules, by rule and line.
fn hits(text: &str) -> String {
    let model = RepoModel::from_memory(&[("deploy/app.yaml", text)]);
    assert!(
        model.model().parse_warnings().is_empty(),
        "{:?}",
        model.model().parse_warnings()
    );
    let mut h = check_all(&model, &Params::default(), rules());
    h.sort_by(|a, b| (a.rule, a.line).cmp(&(b.rule, b.line)));
    finding_lines(&h)
}

fn weaken(from: &str, to: &str) -> String {
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
    insta::assert_snapshot!(weaken(
            "            allowPrivilegeEscalation: false\n",
            "            allowPrivilegeEscalation: false\n            privileged: true\n"
        ), @"deploy/app.yaml:33: [PVD-KUBE-001] Deployment `app`, container `app`: runs privileged: full access to the node's devices and kernel");
}

#[test]
fn k8s002_run_as_root() {
    insta::assert_snapshot!(weaken("runAsUser: 10001", "runAsUser: 0"), @"deploy/app.yaml:25: [PVD-KUBE-002] Deployment `app`, container `app`: runs as UID 0 (root)");
    insta::assert_snapshot!(weaken("        runAsNonRoot: true\n        runAsUser: 10001\n", ""), @"deploy/app.yaml:27: [PVD-KUBE-002] Deployment `app`, container `app`: neither `runAsNonRoot: true` nor a non-zero `runAsUser`: may run as root");
    // container level overrides pod level
    insta::assert_snapshot!(weaken(
            "            allowPrivilegeEscalation: false\n",
            "            allowPrivilegeEscalation: false\n            runAsNonRoot: false\n"
        ), @"deploy/app.yaml:33: [PVD-KUBE-002] Deployment `app`, container `app`: `runAsNonRoot` is not true: the image's user (often root) is used");
}

#[test]
fn k8s003_privilege_escalation() {
    insta::assert_snapshot!(weaken("            allowPrivilegeEscalation: false\n", ""), @"deploy/app.yaml:29: [PVD-KUBE-003] Deployment `app`, container `app`: `allowPrivilegeEscalation: false` is not set (setuid binaries can gain privileges)");
    insta::assert_snapshot!(weaken(
            "allowPrivilegeEscalation: false",
            "allowPrivilegeEscalation: true"
        ), @"deploy/app.yaml:32: [PVD-KUBE-003] Deployment `app`, container `app`: `allowPrivilegeEscalation` is not false");
}

#[test]
fn k8s004_host_namespaces() {
    insta::assert_snapshot!(weaken(
            "      serviceAccountName: app\n",
            "      serviceAccountName: app\n      hostPID: true\n"
        ), @"deploy/app.yaml:22: [PVD-KUBE-004] Deployment `app` shares the node's namespace: `hostPID: true`");
}

#[test]
fn k8s005_006_007_capabilities() {
    insta::assert_snapshot!(weaken(
            "drop: [\"ALL\"]",
            "drop: [\"ALL\"]\n              add: [SYS_ADMIN]"
        ), @"deploy/app.yaml:36: [PVD-KUBE-005] Deployment `app`, container `app`: adds capability SYS_ADMIN");
    // NET_BIND_SERVICE is the one addition the restricted profile allows.
    assert_eq!(
        weaken(
            "drop: [\"ALL\"]",
            "drop: [\"ALL\"]\n              add: [NET_BIND_SERVICE, cap_net_bind_service]"
        ),
        ""
    );
    // One container's additions are one finding, at the first.
    insta::assert_snapshot!(weaken(
            "drop: [\"ALL\"]",
            "drop: [\"ALL\"]\n              add: [NET_BIND_SERVICE, CHOWN, SETUID]"
        ), @"deploy/app.yaml:36: [PVD-KUBE-006] Deployment `app`, container `app`: adds capabilities CHOWN, SETUID");
    insta::assert_snapshot!(weaken("drop: [\"ALL\"]", "drop: [NET_RAW]"), @"deploy/app.yaml:35: [PVD-KUBE-007] Deployment `app`, container `app`: does not drop ALL capabilities");
}

#[test]
fn k8s008_read_only_root() {
    insta::assert_snapshot!(weaken(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false"
        ), @"deploy/app.yaml:33: [PVD-KUBE-008] Deployment `app`, container `app`: root filesystem is writable");
}

#[test]
fn k8s009_010_resources() {
    insta::assert_snapshot!(weaken("limits: {cpu: 500m, memory: 256Mi}", "limits: {cpu: 500m}"), @"deploy/app.yaml:38: [PVD-KUBE-009] Deployment `app`, container `app`: no limits for memory");
    insta::assert_snapshot!(weaken("            requests: {cpu: 100m, memory: 128Mi}\n", ""), @"deploy/app.yaml:36: [PVD-KUBE-010] Deployment `app`, container `app`: no requests for cpu, memory");
}

#[test]
fn k8s011_012_image() {
    insta::assert_snapshot!(weaken(&format!("app:1.2.3@{DIGEST}"), "app:latest"), @r#"
        deploy/app.yaml:30: [PVD-KUBE-011] Deployment `app`, container `app`: image `ghcr.io/org/app:latest` uses the `latest` tag
        deploy/app.yaml:30: [PVD-KUBE-012] Deployment `app`, container `app`: image `ghcr.io/org/app:latest` is not pinned by digest
        "#);
    insta::assert_snapshot!(weaken(&format!("app:1.2.3@{DIGEST}"), "app:1.2.3"), @"deploy/app.yaml:30: [PVD-KUBE-012] Deployment `app`, container `app`: image `ghcr.io/org/app:1.2.3` is not pinned by digest");
}

#[test]
fn k8s013_automount() {
    // the pod's own setting removed: the ServiceAccount still disables it
    assert!(weaken("      automountServiceAccountToken: false\n", "").is_empty());
    let g = golden()
        .replacen("      automountServiceAccountToken: false\n", "", 1)
        .replacen("automountServiceAccountToken: false\n", "", 1);
    // the account is bound to a Role: the workload calls the API and needs the token
    assert!(hits(&g).is_empty());
    // unbound (the binding names another account): the token is only exposure
    let unbound = g.replacen(
        "  - kind: ServiceAccount\n    name: app\n",
        "  - kind: ServiceAccount\n    name: other\n",
        1,
    );
    insta::assert_snapshot!(hits(&unbound), @"deploy/app.yaml:19: [PVD-KUBE-013] Deployment `app` mounts the token of service account `app` (neither the pod nor the account sets `automountServiceAccountToken: false`)");
}

#[test]
fn k8s014_seccomp() {
    insta::assert_snapshot!(weaken("type: RuntimeDefault", "type: Unconfined"), @"deploy/app.yaml:27: [PVD-KUBE-014] Deployment `app`, container `app`: seccomp profile `Unconfined` leaves every syscall open");
}

#[test]
fn k8s015_host_path() {
    // the inserted lines are a pod-level volumes list; ports moves into it harmlessly
    insta::assert_snapshot!(weaken("          ports:\n", "      volumes:\n        - name: sock\n          hostPath: {path: /var/run/docker.sock}\n          ports:\n"), @"deploy/app.yaml:45: [PVD-KUBE-015] Deployment `app` mounts host path `/var/run/docker.sock` (container runtime socket: control of every container on the node)");
}

#[test]
fn k8s016_017_probes() {
    insta::assert_snapshot!(weaken(
            "          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n",
            ""
        ), @"deploy/app.yaml:29: [PVD-KUBE-016] Deployment `app`, container `app`: no livenessProbe");
    insta::assert_snapshot!(weaken(
            "          readinessProbe:\n            httpGet: {path: /readyz, port: 8080}\n",
            ""
        ), @"deploy/app.yaml:29: [PVD-KUBE-017] Deployment `app`, container `app`: no readinessProbe");
}

#[test]
fn k8s018_default_namespace() {
    let g = golden().replace("namespace: app", "namespace: default");
    insta::assert_snapshot!(hits(&g), @"deploy/app.yaml:12: [PVD-KUBE-018] Deployment `app` is in the default namespace");
}

#[test]
fn k8s019_network_policy() {
    // a default-deny policy selects every pod, so 019 always comes with 028
    insta::assert_snapshot!(weaken(
            "  podSelector: {}",
            "  podSelector: {matchLabels: {app: other}}"
        ), @r#"
        deploy/app.yaml:11: [PVD-KUBE-019] no NetworkPolicy in namespace `app` selects Deployment `app`: its pods accept and send any traffic
        deploy/app.yaml:11: [PVD-KUBE-028] namespace `app` has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)
        "#);
}

#[test]
fn k8s028_default_deny() {
    insta::assert_snapshot!(weaken(
            "  policyTypes: [Ingress, Egress]",
            "  policyTypes: [Ingress]"
        ), @"deploy/app.yaml:11: [PVD-KUBE-028] namespace `app` has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
    insta::assert_snapshot!(weaken(
            "  policyTypes: [Ingress, Egress]",
            "  policyTypes: [Ingress, Egress]\n  egress: [{}]"
        ), @"deploy/app.yaml:11: [PVD-KUBE-028] namespace `app` has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
}

#[test]
fn k8s020_service_type() {
    insta::assert_snapshot!(weaken("type: ClusterIP", "type: LoadBalancer"), @"deploy/app.yaml:52: [PVD-KUBE-020] Service `app` of type LoadBalancer is reachable from outside the cluster");
    // An internal load balancer gets a private address in the VPC.
    for (key, value) in [
        ("networking.gke.io/load-balancer-type", "\"Internal\""),
        (
            "service.beta.kubernetes.io/aws-load-balancer-scheme",
            "internal",
        ),
        (
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            "\"true\"",
        ),
    ] {
        let g = golden().replacen("type: ClusterIP", "type: LoadBalancer", 1).replacen(
            "kind: Service\nmetadata:\n  name: app\n  namespace: app\n",
            &format!("kind: Service\nmetadata:\n  name: app\n  namespace: app\n  annotations:\n    {key}: {value}\n"),
            1,
        );
        assert!(g.contains(key));
        assert_eq!(hits(&g), "", "{key}");
    }
    // The annotation asks for nothing on a NodePort, nor with another value.
    let g = golden().replacen("type: ClusterIP", "type: NodePort", 1).replacen(
        "kind: Service\nmetadata:\n  name: app\n  namespace: app\n",
        "kind: Service\nmetadata:\n  name: app\n  namespace: app\n  annotations:\n    networking.gke.io/load-balancer-type: \"Internal\"\n",
        1,
    );
    insta::assert_snapshot!(hits(&g), @"deploy/app.yaml:54: [PVD-KUBE-020] Service `app` of type NodePort is reachable from outside the cluster");
}

#[test]
fn k8s021_022_027_rbac() {
    insta::assert_snapshot!(weaken(
            "  kind: Role\n  name: app",
            "  kind: ClusterRole\n  name: cluster-admin"
        ), @"deploy/app.yaml:83: [PVD-KUBE-021] RoleBinding `app` grants cluster-admin");
    insta::assert_snapshot!(weaken("verbs: [get]", "verbs: [\"*\"]"), @"deploy/app.yaml:73: [PVD-KUBE-022] Role `app` grants `*` verbs");
    insta::assert_snapshot!(weaken("resources: [configmaps]", "resources: [secrets]"), @"deploy/app.yaml:72: [PVD-KUBE-027] Role `app` can read secrets");
    insta::assert_snapshot!(weaken("verbs: [get]", "verbs: [get, impersonate]"), @"deploy/app.yaml:73: [PVD-KUBE-027] Role `app` grants `impersonate`, a privilege-escalation verb");
}

#[test]
fn k8s023_host_port() {
    insta::assert_snapshot!(weaken(
            "containerPort: 8080\n",
            "containerPort: 8080\n              hostPort: 8080\n"
        ), @"deploy/app.yaml:45: [PVD-KUBE-023] Deployment `app`, container `app`: binds host port 8080");
}

#[test]
fn k8s024_env_secret() {
    insta::assert_snapshot!(weaken("          ports:\n", "          env:\n            - name: DB\n              valueFrom:\n                secretKeyRef: {name: db, key: pw}\n          ports:\n"), @"deploy/app.yaml:46: [PVD-KUBE-024] Deployment `app`, container `app`: secret exposed as environment variable `DB`");
    // One container's secret variables are one finding, at the first.
    let env = "          env:\n            - name: DB_USER\n              valueFrom:\n                secretKeyRef: {name: db, key: user}\n            - name: LOG\n              value: info\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: pw}\n          envFrom:\n            - secretRef: {name: api}\n          ports:\n";
    let manifest = golden().replacen("          ports:\n", env, 1);
    let hits = found(&[("deploy.yaml", &manifest)], "PVD-KUBE-024");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].1, Some(46));
    assert!(
        hits[0].2.ends_with(": secrets exposed as environment variables `DB_USER`, `DB_PASSWORD` and a whole secret through `envFrom`"),
        "{hits:?}"
    );
}

#[test]
fn k8s025_default_service_account() {
    let g = golden().replace("serviceAccountName: app", "serviceAccountName: default");
    // the default account has no automount setting in the repo either
    insta::assert_snapshot!(hits(&g), @"deploy/app.yaml:21: [PVD-KUBE-025] Deployment `app` uses the namespace's default service account");
}

#[test]
fn k8s026_low_uid() {
    insta::assert_snapshot!(weaken("runAsUser: 10001", "runAsUser: 1000"), @"deploy/app.yaml:25: [PVD-KUBE-026] Deployment `app`, container `app`: runs as UID 1000, which may collide with a host user (use >= 10000)");
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
    let h = check_all(&model, &Params::default(), rules());
    assert!(h.is_empty(), "{h:?}");
}

#[test]
fn cronjob_and_init_containers_are_checked() {
    let cj = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: app}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers:\n            - name: init\n              image: busybox\n              securityContext: {privileged: true}\n";
    let model = RepoModel::from_memory(&[("cron.yaml", cj)]);
    let ids: Vec<_> = check_all(&model, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == "PVD-KUBE-001" || h.rule == "PVD-KUBE-011")
        .map(|h| (h.rule, h.line))
        .collect();
    assert_eq!(
        ids,
        [("PVD-KUBE-001", Some(12)), ("PVD-KUBE-011", Some(11))]
    );
}

/// Every hit of `rule` on the files: (file, line, message, severity).
fn found(
    files: &[(&str, &str)],
    rule: &str,
) -> Vec<(
    String,
    Option<u32>,
    String,
    Option<crate::guardrails::Severity>,
)> {
    let model = RepoModel::from_memory(files);
    check_all(&model, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == rule)
        .map(|h| {
            (
                h.file.to_string_lossy().into_owned(),
                h.line,
                h.message,
                h.severity,
            )
        })
        .collect()
}

const WORKLOAD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: NAME\nspec:\n  template:\n    metadata:\n      labels: {app: NAME}\n    spec:\n      containers: [{name: a, image: x}]\n";

fn workload(name: &str) -> String {
    WORKLOAD.replace("NAME", name)
}

const DENY_ALL: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n";

#[test]
fn a_kustomization_namespace_covers_only_what_it_includes() {
    let api = workload("api");
    let worker = workload("worker");
    let files = [
        ("deploy/api/app.yaml", api.as_str()),
        (
            "deploy/api/kustomization.yaml",
            "namespace: api\nresources: [app.yaml]\n",
        ),
        ("deploy/worker/app.yaml", worker.as_str()),
    ];
    let hits = found(&files, "PVD-KUBE-018");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].0, "deploy/worker/app.yaml");
    // An overlay's namespace reaches its bases, transitively.
    let files = [
        ("base/app.yaml", api.as_str()),
        ("base/kustomization.yaml", "resources: [app.yaml]\n"),
        (
            "overlays/prod/kustomization.yaml",
            "namespace: prod\nresources: [../../base]\n",
        ),
    ];
    assert_eq!(found(&files, "PVD-KUBE-018"), vec![]);
}

#[test]
fn a_network_policy_counts_only_where_it_is_deployed() {
    let api = workload("api");
    // In an optional component no kustomization includes: not deployed.
    let files = [
        ("deploy/app.yaml", api.as_str()),
        ("deploy/kustomization.yaml", "resources: [app.yaml]\n"),
        (
            "components/netpol/kustomization.yaml",
            "kind: Component\nresources: [deny.yaml]\n",
        ),
        ("components/netpol/deny.yaml", DENY_ALL),
    ];
    assert_eq!(found(&files, "PVD-KUBE-019").len(), 1);
    assert_eq!(found(&files, "PVD-KUBE-028").len(), 1);
    // Included by the build: it counts.
    let files = [
        ("deploy/app.yaml", api.as_str()),
        (
            "deploy/kustomization.yaml",
            "resources: [app.yaml]\ncomponents: [../components/netpol]\n",
        ),
        (
            "components/netpol/kustomization.yaml",
            "kind: Component\nresources: [deny.yaml]\n",
        ),
        ("components/netpol/deny.yaml", DENY_ALL),
    ];
    assert_eq!(found(&files, "PVD-KUBE-019"), vec![]);
    assert_eq!(found(&files, "PVD-KUBE-028"), vec![]);
    // Another build's policy, or another namespace's, does not.
    let other = DENY_ALL.replace("{name: deny}", "{name: deny, namespace: other}");
    let files = [
        ("a/app.yaml", api.as_str()),
        ("a/kustomization.yaml", "resources: [app.yaml]\n"),
        ("b/deny.yaml", DENY_ALL),
        ("b/kustomization.yaml", "resources: [deny.yaml]\n"),
        ("c/deny.yaml", other.as_str()),
    ];
    assert_eq!(found(&files, "PVD-KUBE-019").len(), 1);
    // Plain manifests deploy with the manifests of their top-level directory:
    // `deploy/netpol/` with `deploy/app/`, but `examples/` not with `deploy/`.
    let files = [
        ("deploy/app/app.yaml", api.as_str()),
        ("deploy/netpol/np.yaml", DENY_ALL),
    ];
    assert_eq!(found(&files, "PVD-KUBE-019"), vec![]);
    let files = [
        ("deploy/app.yaml", api.as_str()),
        ("examples/np.yaml", DENY_ALL),
    ];
    assert_eq!(found(&files, "PVD-KUBE-019").len(), 1);
    assert_eq!(found(&files, "PVD-KUBE-028").len(), 1);
    // A podSelector that selects other pods does not cover this one.
    let web_only = DENY_ALL.replace("podSelector: {}", "podSelector: {matchLabels: {app: web}}");
    let files = [("app.yaml", api.as_str()), ("np.yaml", web_only.as_str())];
    assert_eq!(found(&files, "PVD-KUBE-019").len(), 1);
}

#[test]
fn unset_and_default_are_one_namespace() {
    let api = workload("api");
    let in_default = DENY_ALL.replace("{name: deny}", "{name: deny, namespace: default}");
    let files = [("app.yaml", api.as_str()), ("np.yaml", in_default.as_str())];
    assert_eq!(found(&files, "PVD-KUBE-019"), vec![]);
    assert_eq!(found(&files, "PVD-KUBE-028"), vec![]);
    let explicit = api.replace("  name: api\n", "  name: api\n  namespace: default\n");
    let files = [("a.yaml", api.as_str()), ("b.yaml", explicit.as_str())];
    let hits = found(&files, "PVD-KUBE-028");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].2.contains("namespace `default`"), "{hits:?}");
    assert!(!hits[0].2.contains("(unset)"));
}

#[test]
fn a_container_without_security_context_is_one_finding() {
    let api = workload("api");
    let model = RepoModel::from_memory(&[("app.yaml", api.as_str())]);
    let hits: Vec<_> = check_all(&model, &Params::default(), rules())
        .into_iter()
        .filter(|h| {
            [
                "PVD-KUBE-002",
                "PVD-KUBE-003",
                "PVD-KUBE-007",
                "PVD-KUBE-008",
                "PVD-KUBE-014",
            ]
            .contains(&h.rule)
        })
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].rule, "PVD-KUBE-002");
    assert_eq!(
        hits[0].message,
        "Deployment `api`, container `a`: no `securityContext`, so it may run as root, lets setuid binaries gain privileges, keeps the runtime's default capabilities, has a writable root filesystem and has no confining seccomp profile"
    );
    let fix = hits[0].detail.as_deref().unwrap();
    assert!(
        fix.contains("  runAsNonRoot: true\n")
            && fix.ends_with("seccompProfile: {type: RuntimeDefault}")
    );
    // The pod supplies non-root and seccomp: what is left is owned by the next rule.
    let pod_hardened = api.replace(
        "    spec:\n",
        "    spec:\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n",
    );
    let model = RepoModel::from_memory(&[("app.yaml", pod_hardened.as_str())]);
    let ids: Vec<_> = check_all(&model, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.detail.is_some())
        .map(|h| h.rule)
        .collect();
    assert_eq!(ids, ["PVD-KUBE-003"]);
}

#[test]
fn one_role_is_one_finding() {
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n  - resources: [\"*\"]\n    verbs: [\"*\"]\n  - resources: [secrets, pods/exec]\n    verbs: [get, create, bind]\n";
    let hits = found(&[("rbac.yaml", role)], "PVD-KUBE-022");
    assert_eq!(
        hits,
        [(
            "rbac.yaml".into(),
            Some(6),
            "Role `r` grants `*` verbs and resources".into(),
            Some(crate::guardrails::Severity::Medium)
        )]
    );
    let hits = found(&[("rbac.yaml", role)], "PVD-KUBE-027");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0].2,
        "Role `r` grants `bind`, a privilege-escalation verb, can read secrets and can exec into pods"
    );
    let cluster = role.replace("kind: Role", "kind: ClusterRole");
    let hits = found(&[("rbac.yaml", cluster.as_str())], "PVD-KUBE-022");
    assert_eq!(hits[0].3, Some(crate::guardrails::Severity::High));
}

#[test]
fn many_host_paths_are_one_finding_weighed_by_the_worst() {
    let mut volumes = String::new();
    let mut mounts = String::new();
    let paths = [
        "/var/log",
        "/data/a",
        "/data/b",
        "/data/c",
        "/data/d",
        "/data/e",
        "/data/f",
        "/data/g",
        "/data/h",
        "/data/i",
        "/etc",
        "/var/run/docker.sock",
        "/opt/x",
    ];
    for (i, p) in paths.iter().enumerate() {
        volumes.push_str(&format!(
            "        - {{name: v{i}, hostPath: {{path: {p}}}}}\n"
        ));
        mounts.push_str(&format!(
            "            - {{name: v{i}, mountPath: /m{i}, readOnly: true}}\n"
        ));
    }
    let job = format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j, namespace: app}}\nspec:\n  template:\n    spec:\n      volumes:\n{volumes}      containers:\n        - name: a\n          image: x\n          volumeMounts:\n{mounts}");
    let hits = found(&[("job.yaml", job.as_str())], "PVD-KUBE-015");
    assert_eq!(hits.len(), 1, "{hits:?}");
    let (_, line, message, severity) = &hits[0];
    assert_eq!(*severity, Some(crate::guardrails::Severity::Critical));
    assert_eq!(*line, Some(19), "points at the docker.sock volume");
    assert!(
        message.starts_with(
            "Job `j` mounts 13 host paths: `/var/run/docker.sock` (container runtime socket"
        ),
        "{message}"
    );
    assert!(message.contains("`/etc` (read-only)"), "{message}");
    // A writable /etc alone is high; a read-only data path medium.
    let one = |p: &str, ro: bool| {
        let job = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  volumes: [{{name: v, hostPath: {{path: {p}}}}}]\n  containers:\n    - name: a\n      image: x\n      volumeMounts: [{{name: v, mountPath: /m, readOnly: {ro}}}]\n");
        found(&[("p.yaml", job.as_str())], "PVD-KUBE-015")[0].3
    };
    assert_eq!(one("/etc", false), Some(crate::guardrails::Severity::High));
    assert_eq!(
        one("/var/log", true),
        Some(crate::guardrails::Severity::Medium)
    );
}

#[test]
fn one_containers_added_capabilities_are_one_finding() {
    let manifest = golden().replacen(
        "drop: [\"ALL\"]",
        "drop: [\"ALL\"]\n              add:\n                - NET_BIND_SERVICE\n                - CHOWN\n                - SETUID",
        1,
    );
    let hits = found(&[("deploy.yaml", &manifest)], "PVD-KUBE-006");
    assert_eq!(hits.len(), 1, "{hits:?}");
    let chown = manifest
        .lines()
        .position(|l| l.trim() == "- CHOWN")
        .map(|i| i as u32 + 1);
    assert_eq!(hits[0].1, chown);
    assert!(
        hits[0].2.ends_with(": adds capabilities CHOWN, SETUID"),
        "{hits:?}"
    );
}
