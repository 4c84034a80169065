use paved_model::terraform::cloud::bool_or;
use paved_model::terraform::{Resource, Statement};
use paved_parse::hcl::Value;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// OpenSearch domain outside a VPC allows any principal
    ///
    /// ## Why it matters
    /// A domain without `vpc_options` has a public endpoint; an access policy that allows
    /// `Principal: "*"` without a condition lets anyone on the internet read, change and
    /// delete its indices. A domain with fine-grained access control on and anonymous
    /// access off is not reported: AWS prescribes the open policy for it, and every
    /// request must still sign in as a user or role the domain maps.
    ///
    /// ## How to fix it
    /// Put the domain in a VPC (`vpc_options`), or name the principals (roles, accounts)
    /// that may call it, or restrict the statement with a condition such as `aws:SourceIp`;
    /// use fine-grained access control for users.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   access_policies = jsonencode({
    ///     Version = "2012-10-17"
    ///     # flagged: public endpoint, anyone may call es:*
    ///     Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "es:*", Resource = "arn:aws:es:eu-west-1:111122223333:domain/acme-search/*" }]
    ///   })
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_opensearch_domain" "search" {
    ///   domain_name = "acme-search"
    ///   access_policies = jsonencode({
    ///     Version = "2012-10-17"
    ///     Statement = [{ Effect = "Allow", Principal = { AWS = aws_iam_role.service.arn }, Action = "es:ESHttp*", Resource = "arn:aws:es:eu-west-1:111122223333:domain/acme-search/*" }]
    ///   })
    /// }
    /// ```
    pub struct SearchOpenAccess {
        id: "PVD-TF-035",
        severity: Critical,
        references: ["prowler:opensearch_service_domains_not_publicly_accessible"],
    }
}

/// OpenSearch and its predecessor, Elasticsearch Service, share these settings.
const DOMAINS: [&str; 2] = ["aws_opensearch_domain", "aws_elasticsearch_domain"];

/// Reports the open statements of `domain`'s policy when the domain has a public
/// endpoint (no `vpc_options`).
fn report(out: &mut Emitter<'_>, domain: &Resource<'_>, statements: Vec<Statement<'_>>) {
    if domain.block.body.block("vpc_options").is_some() || authenticates(domain) {
        return;
    }
    for st in statements {
        if st.allow && st.any_principal && !st.has_condition {
            out.at(st.at()).say(format!(
                "{}: access policy allows Principal \"*\" without a condition on a domain outside a VPC",
                st.source
            ));
        }
    }
}

/// Whether fine-grained access control is literally on and anonymous access literally
/// off: then the domain authenticates every request itself.
fn authenticates(domain: &Resource<'_>) -> bool {
    domain
        .block
        .body
        .block("advanced_security_options")
        .is_some_and(|fgac| {
            bool_or(fgac, "enabled", false) == Some(true)
                && bool_or(fgac, "anonymous_auth_enabled", false) == Some(false)
        })
}

/// Whether a policy's `domain_name` names `domain`: `aws_opensearch_domain.NAME.…`
/// or the domain's literal `domain_name`.
fn names(target: Option<&Value>, domain: &Resource<'_>) -> bool {
    match target {
        Some(Value::Reference(r)) => r
            .strip_prefix(domain.address().as_str())
            .is_some_and(|rest| rest.starts_with('.')),
        Some(Value::String(s)) => {
            domain.block.value("domain_name").and_then(Value::as_str) == Some(s.as_str())
        }
        _ => false,
    }
}

impl Check for SearchOpenAccess {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tf = cx.terraform();
        for ty in DOMAINS {
            for domain in tf.resources(ty) {
                report(out, &domain, domain.policy_statements("access_policies"));
            }
        }
        // A separate policy resource names its domain by reference or by name.
        for (policy_type, domain_type) in [
            ("aws_opensearch_domain_policy", "aws_opensearch_domain"),
            ("aws_elasticsearch_domain_policy", "aws_elasticsearch_domain"),
        ] {
            for policy in tf.resources(policy_type) {
                let target = policy.block.value("domain_name");
                let domain = tf
                    .module_resources(policy.path(), domain_type)
                    .find(|d| names(target, d));
                // A domain we cannot see may be in a VPC: only literal facts decide.
                if let Some(domain) = domain {
                    report(out, &domain, policy.policy_statements("access_policies"));
                }
            }
        }
    }
}
