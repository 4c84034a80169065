use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter, Severity};

rule! {
    /// Security group allows internet ingress to a non-public port
    ///
    /// ## Why it matters
    /// Ports open to 0.0.0.0/0 or ::/0 are scanned within minutes; anything but the
    /// intended public listener (and any port at all on an internal service) widens the
    /// attack surface. The group of a load balancer may also open port 80, where HTTP is
    /// redirected to HTTPS: whether its listener redirects or serves plain HTTP is
    /// PVD-TF-040's finding, not the group's. A port given by a variable is judged
    /// by the `default` the module declares for it, and the message names the
    /// variable, since a caller may pass another port; without a default the port
    /// is unknown and not judged.
    ///
    /// ## How to fix it
    /// Restrict the source to known CIDRs or security groups, or put the service behind a
    /// load balancer that alone is open on the ports in `public_ingress_ports`.
    ///
    /// ## Severity
    /// High for a port that should not face the internet at all (a database, an
    /// application or admin port, a range). Medium when the only such port is 80 on a
    /// host that is not a load balancer: it is the public site served over plain
    /// HTTP, whose traffic a network position can read or change (direct × limited
    /// in the rubric of docs/drift.md), not a service exposed that should be private.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_vpc_security_group_ingress_rule" "db" {
    ///   security_group_id = aws_security_group.db.id
    ///   # flagged: PostgreSQL reachable from anywhere
    ///   cidr_ipv4         = "0.0.0.0/0"
    ///   from_port         = 5432
    ///   to_port           = 5432
    ///   ip_protocol       = "tcp"
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_vpc_security_group_ingress_rule" "db" {
    ///   security_group_id            = aws_security_group.db.id
    ///   referenced_security_group_id = aws_security_group.service.id
    ///   from_port                    = 5432
    ///   to_port                      = 5432
    ///   ip_protocol                  = "tcp"
    /// }
    /// ```
    pub struct WorldIngress {
        id: "PVD-TF-011",
        severity: High,
        references: ["checkov:CKV_AWS_260", "checkov:CKV_AWS_277", "trivy:AWS-0107"],
        params: IngressParams,
    }
}

params! {
    /// Parameters of PVD-TF-011.
    pub struct IngressParams {
        /// Ports that may be open to the world when exposure is internet; with
        /// `exposure = "internal"` none may be.
        public_ingress_ports: Vec<i64> = vec![443],
    }
}

impl Check for WorldIngress {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let internal = cx
            .repo
            .context()
            .exposure
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("internal"));
        let public = cx.params::<IngressParams>().public_ingress_ports;
        let tf = cx.terraform();
        for ing in tf.world_ingress() {
            // Ports the module's caller chooses (a variable without a default here)
            // are unknown, and unknown ports are never a finding.
            let Some(ports) = ing.ports else { continue };
            if ports.admin_port().is_some() {
                continue; // PVD-TF-012 reports it.
            }
            if internal {
                out.at(ing.location).say(format!(
                    "{}: {}{} open to the internet on a service whose exposure is internal",
                    ing.resource.address(),
                    ports.describe(),
                    ing.ports_origin()
                ));
            } else if (ports.from..=ports.to).any(|p| {
                let redirect_port = p == 80 && tf.fronts_load_balancer(&ing);
                !(public.contains(&p) || redirect_port)
            }) {
                // Port 80 alone is the public site over plain HTTP, not a private
                // service exposed: graded as what it exposes.
                let plain_http = ports.from == 80 && ports.to == 80;
                let say = out.at(ing.location);
                let say = if plain_http {
                    say.severity(Severity::Medium)
                } else {
                    say
                };
                say.say(format!(
                    "{}: {}{} open to the internet{} (public ports: {:?})",
                    ing.resource.address(),
                    ports.describe(),
                    ing.ports_origin(),
                    if plain_http {
                        ", serving plain HTTP; serve HTTPS on 443 (or redirect 80 to it)"
                    } else {
                        ""
                    },
                    public
                ));
            }
        }
    }
}
