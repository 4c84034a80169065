use paved_parse::yaml::Node;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Service exposed outside the cluster
    ///
    /// ## Why it matters
    /// NodePort and LoadBalancer Services open the workload to networks beyond the cluster,
    /// bypassing the ingress layer's TLS, authentication and rate limits. A LoadBalancer
    /// annotated as internal (GKE, EKS, AKS, OKE, IBM Cloud) gets a private address in the
    /// VPC, not an internet one, and is not reported.
    ///
    /// ## How to fix it
    /// Use a ClusterIP Service behind an Ingress/Gateway, unless direct exposure is
    /// intended (then waive with a reason).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: LoadBalancer            # flagged
    /// ```
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: ClusterIP               # behind the Ingress / Gateway
    /// ```
    pub struct ExposedService {
        id: "PVD-KUBE-020",
        severity: Low,
        references: [],
    }
}

impl Check for ExposedService {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for o in cx.k8s().of_kind("Service") {
            if let Some(t) = o.node.get_or_empty("spec").str_at("type") {
                if t == "LoadBalancer" && internal_load_balancer(o.node) {
                    continue;
                }
                if matches!(t, "NodePort" | "LoadBalancer") {
                    out.at(o.at("spec.type")).say(format!(
                        "Service `{}` of type {t} is reachable from outside the cluster",
                        o.name()
                    ));
                }
            }
        }
    }
}

/// The annotations with which cloud controllers give a LoadBalancer Service a private
/// address, and the value that asks for it.
const INTERNAL: &[(&str, &str)] = &[
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/aws-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
    ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
];

/// Whether the Service asks its cloud for an internal load balancer.
fn internal_load_balancer(service: &Node) -> bool {
    let annotations = service.get_or_empty("metadata").get_or_empty("annotations");
    INTERNAL.iter().any(|(key, value)| {
        annotations
            .str_at(key)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
    })
}
