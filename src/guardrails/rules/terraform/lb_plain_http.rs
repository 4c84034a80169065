use paved_parse::hcl::{Block, Value};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Load balancer listener serves plain HTTP
    ///
    /// ## Why it matters
    /// An HTTP listener that forwards requests sends session cookies, bearer tokens and
    /// response data in the clear between the client and the load balancer, where anyone on
    /// the path can read or change them.
    ///
    /// ## How to fix it
    /// Listen on HTTPS (`protocol = "HTTPS"` with `certificate_arn` and a current
    /// `ssl_policy`); keep port 80 only as a `redirect` to HTTPS with `status_code =
    /// "HTTP_301"`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb_listener" "http" {
    ///   load_balancer_arn = aws_lb.public.arn
    ///   port              = 80
    ///   # flagged: forwards requests over plain HTTP
    ///   protocol          = "HTTP"
    ///   default_action {
    ///     type             = "forward"
    ///     target_group_arn = aws_lb_target_group.api.arn
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "aws_lb_listener" "http" {
    ///   load_balancer_arn = aws_lb.public.arn
    ///   port              = 80
    ///   protocol          = "HTTP"
    ///   default_action {
    ///     type = "redirect"
    ///     redirect {
    ///       port        = "443"
    ///       protocol    = "HTTPS"
    ///       status_code = "HTTP_301"
    ///     }
    ///   }
    /// }
    /// ```
    pub struct LbPlainHttp {
        id: "PVD-TF-040",
        severity: Medium,
        references: ["checkov:CKV_AWS_2", "trivy:AWS-0054"],
    }
}

impl Check for LbPlainHttp {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for ty in ["aws_lb_listener", "aws_alb_listener"] {
            for r in cx.terraform().resources(ty) {
                let protocol = r.block.value("protocol").and_then(Value::as_str);
                if !protocol.is_some_and(|p| p.eq_ignore_ascii_case("HTTP")) {
                    continue;
                }
                let redirects = r
            .block
            .body
            .blocks("default_action")
            .any(redirects_to_https);
        if redirects {
                    continue;
                }
                let port = match r.block.value("port").and_then(Value::as_number) {
                    Some(p) => format!(" on port {p}"),
                    None => String::new(),
                };
                out.at(r.at("protocol")).say(format!(
                    "{}: listener{port} serves plain HTTP instead of redirecting to HTTPS",
                    r.address()
                ));
            }
        }
    }
}

/// A `redirect` action to HTTPS; an action whose type or protocol is not literal
/// may be one.
fn redirects_to_https(action: &Block) -> bool {
    match action.value("type").and_then(Value::as_str) {
        Some("redirect") => action
            .body
            .block("redirect")
            .and_then(|rd| rd.value("protocol"))
            .is_some_and(|p| match p.as_str() {
                Some(p) => p.eq_ignore_ascii_case("HTTPS"),
                // Not literal: may be HTTPS.
                None => true,
            }),
        Some(_) => false,
        None => true,
    }
}
