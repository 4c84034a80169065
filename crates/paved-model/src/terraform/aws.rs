//! AWS facts several rules ask for: which companion resource configures a bucket,
//! which ingress rules are open to the world and on which ports, whether a switch
//! that must be on is on, and the environment variables of Lambda functions and ECS
//! containers (with what looks like a credential among them).

use std::path::Path;

use paved_parse::hcl::{Attribute, Block, Value};

use super::{Resource, Terraform};
use crate::Location;

// ---------------------------------------------------------------------------
// companion resources

/// The companion resource configuring a target (an `aws_s3_bucket_versioning` for a
/// bucket), looked up within the target's module.
#[derive(Clone, Copy, Debug)]
pub enum Companion<'m> {
    Found(Resource<'m>),
    /// No companion of that type points at the target.
    Missing,
    /// Some companion's target is not literal (`for_each`, a variable): it may be this
    /// one, so nothing may be reported.
    Unknown,
}

fn module_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// How a companion's `key` argument relates to `target`.
#[derive(PartialEq)]
enum Points {
    This,
    Other,
    Unknown,
}

fn points_at(value: Option<&Value>, target: &Block) -> Points {
    let address = target.address();
    match value {
        Some(Value::Reference(r)) => {
            let rest = r.strip_prefix(address.as_str());
            if rest.is_some_and(|x| x.is_empty() || x.starts_with('.') || x.starts_with('[')) {
                Points::This
            } else if r.starts_with(&format!("{}.", target.type_label())) {
                Points::Other
            } else {
                Points::Unknown
            }
        }
        Some(Value::String(s)) => match target.value("bucket").and_then(Value::as_str) {
            Some(name) if name == s => Points::This,
            _ => Points::Other,
        },
        _ => Points::Unknown,
    }
}

impl<'m> Terraform<'m> {
    /// The `default` of the variable `reference` (`var.port`) names, when the module
    /// (directory) of `file` declares it with one. A caller may pass another value,
    /// so a finding built on it says "unless overridden".
    pub fn variable_default(&self, file: &Path, reference: &str) -> Option<&'m Value> {
        let name = reference.strip_prefix("var.")?;
        let dir = module_dir(file);
        self.files
            .iter()
            .filter(|f| module_dir(&f.path) == dir)
            .flat_map(|f| f.blocks.iter())
            .find(|b| b.kind == "variable" && b.labels.first().map(String::as_str) == Some(name))?
            .value("default")
    }

    /// `resource "TYPE"` blocks in the module (directory) of `file`.
    pub fn module_resources<'s>(
        &'s self,
        file: &'s Path,
        type_: &'s str,
    ) -> impl Iterator<Item = Resource<'m>> + 's {
        let dir = module_dir(file);
        self.resources(type_)
            .filter(move |r| module_dir(r.path()) == dir)
    }

    /// The resource of `type_` in `target`'s module whose `key` (`bucket`) points at
    /// `target`, by reference (`aws_s3_bucket.NAME.id`, with any index) or by the
    /// literal name in the target's `bucket`.
    pub fn companion(&self, target: &Resource<'m>, type_: &str, key: &str) -> Companion<'m> {
        let mut unknown = false;
        for c in self.module_resources(target.path(), type_) {
            match points_at(c.block.value(key), target.block) {
                Points::This => return Companion::Found(c),
                Points::Unknown => unknown = true,
                Points::Other => {}
            }
        }
        if unknown {
            Companion::Unknown
        } else {
            Companion::Missing
        }
    }
}

// ---------------------------------------------------------------------------
// world-open ingress

/// Source ranges that mean "anyone on the internet".
pub const WORLD: &[&str] = &["0.0.0.0/0", "::/0"];

/// An inclusive range of ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from: i64,
    pub to: i64,
}

impl PortRange {
    /// `all ports`, `port 22`, `ports 8000-8080`.
    pub fn describe(&self) -> String {
        match (self.from, self.to) {
            (0, 65535) => "all ports".to_owned(),
            (f, t) if f == t => format!("port {f}"),
            (f, t) => format!("ports {f}-{t}"),
        }
    }

    pub fn contains(&self, port: i64) -> bool {
        self.from <= port && port <= self.to
    }

    /// SSH (22) or RDP (3389), when the range covers one.
    pub fn admin_port(&self) -> Option<i64> {
        [22, 3389].into_iter().find(|p| self.contains(*p))
    }
}

/// One ingress rule open to `0.0.0.0/0` or `::/0`.
#[derive(Clone, Copy, Debug)]
pub struct Ingress<'m> {
    /// The security group or rule resource.
    pub resource: Resource<'m>,
    /// The world-open CIDR attribute.
    pub location: Location<'m>,
    /// `None` when the ports are not literal and not the default of a variable of
    /// the module.
    pub ports: Option<PortRange>,
    /// The variable the ports are given by (`var.port`): its default when `ports`
    /// is known (so "unless overridden"), else the caller sets them.
    pub port_variable: Option<&'m str>,
}

impl Ingress<'_> {
    /// `` (`var.port`'s default, unless overridden) `` when the ports come from a
    /// variable's default, else nothing: to follow the ports in a message.
    pub fn ports_origin(&self) -> String {
        match (self.ports, self.port_variable) {
            (Some(_), Some(var)) => format!(" (`{var}`'s default, unless overridden)"),
            _ => String::new(),
        }
    }
}

fn port(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_number).map(|n| n as i64)
}

/// The ports of a rule: `None` for ICMP (no ports), `Some(None)` when not literal.
fn port_range(
    protocol: Option<&Value>,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Option<Option<PortRange>> {
    let all = PortRange { from: 0, to: 65535 };
    match protocol
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("-1") | Some("all") => return Some(Some(all)),
        Some("icmp") | Some("icmpv6") | Some("58") | Some("1") => return None,
        _ => {}
    }
    if protocol.is_some_and(|p| p.as_number() == Some(-1.0)) {
        return Some(Some(all));
    }
    match (port(from), port(to)) {
        (Some(f), Some(t)) => Some(Some(PortRange {
            from: f.min(t).max(0),
            to: f.max(t).min(65535),
        })),
        (Some(f), None) if to.is_none() => Some(Some(PortRange { from: f, to: f })),
        _ => Some(None),
    }
}

/// What a variable without a default in the module stands for.
static UNKNOWN: Value = Value::Unknown;

/// The first of `cidrs` that holds a world-open range.
fn world_attr<'b>(cidrs: &[Option<&'b Attribute>]) -> Option<&'b Attribute> {
    cidrs
        .iter()
        .flatten()
        .copied()
        .find(|a| a.value.strings().iter().any(|c| WORLD.contains(c)))
}

/// The ingress rule written in `block` (`r` itself, or an `ingress` block of it)
/// when one of its two `cidrs` attributes opens it to the world, with the ports of
/// its `protocol` attribute and `from_port`/`to_port`.
fn world_rule<'m>(
    tf: &Terraform<'m>,
    r: Resource<'m>,
    block: &'m Block,
    cidrs: [&str; 2],
    protocol: &str,
) -> Option<Ingress<'m>> {
    let attr = world_attr(&[block.attr(cidrs[0]), block.attr(cidrs[1])])?;
    let mut port_variable = None;
    let mut resolved = |v: Option<&'m Value>| match v {
        Some(Value::Reference(var)) if var.starts_with("var.") => {
            port_variable = port_variable.or(Some(var.as_str()));
            Some(tf.variable_default(r.path(), var).unwrap_or(&UNKNOWN))
        }
        other => other,
    };
    let from = resolved(block.value("from_port"));
    let to = resolved(block.value("to_port"));
    let ports = port_range(block.value(protocol), from, to)?;
    Some(Ingress {
        resource: r,
        location: r.within(block, &attr.name),
        ports,
        port_variable,
    })
}

impl<'m> Terraform<'m> {
    /// Ingress rules open to the world, in every form a security group takes:
    /// inline `ingress` blocks (of `aws_security_group` and
    /// `aws_default_security_group`), `aws_security_group_rule` of type ingress and
    /// `aws_vpc_security_group_ingress_rule`.
    pub fn world_ingress(&self) -> Vec<Ingress<'m>> {
        const CIDRS: [&str; 2] = ["cidr_blocks", "ipv6_cidr_blocks"];
        let mut out = Vec::new();
        for group in ["aws_security_group", "aws_default_security_group"] {
            for r in self.resources(group) {
                for ing in r.block.body.blocks("ingress") {
                    out.extend(world_rule(self, r, ing, CIDRS, "protocol"));
                }
            }
        }
        for r in self.resources("aws_security_group_rule") {
            if r.block.value("type").and_then(Value::as_str) == Some("ingress") {
                out.extend(world_rule(self, r, r.block, CIDRS, "protocol"));
            }
        }
        for r in self.resources("aws_vpc_security_group_ingress_rule") {
            out.extend(world_rule(
                self,
                r,
                r.block,
                ["cidr_ipv4", "cidr_ipv6"],
                "ip_protocol",
            ));
        }
        // Keep the order of the files: a finding list reads top to bottom.
        out.sort_by(|a, b| {
            (a.location.file, a.location.line).cmp(&(b.location.file, b.location.line))
        });
        out
    }
}

/// Load balancers that take a `security_groups` list: ALB/NLB (`aws_lb`, its alias
/// `aws_alb`) and the classic ELB.
const LOAD_BALANCERS: [&str; 3] = ["aws_lb", "aws_alb", "aws_elb"];

/// Whether `reference` (`aws_security_group.web.id`, `aws_security_group.web[0].id`)
/// names the resource at `address` (`aws_security_group.web`).
fn refers_to(reference: &str, address: &str) -> bool {
    reference
        .strip_prefix(address)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

impl<'m> Terraform<'m> {
    /// The security group (`aws_security_group.NAME`) an ingress rule opens: the group
    /// itself for inline `ingress` blocks, the group a rule resource's
    /// `security_group_id` refers to; `None` when that is not a reference.
    pub fn ingress_group(&self, ing: &Ingress<'m>) -> Option<String> {
        let r = ing.resource.block;
        if matches!(
            r.type_label(),
            "aws_security_group" | "aws_default_security_group"
        ) {
            return Some(r.address());
        }
        match r.value("security_group_id") {
            Some(Value::Reference(target)) => {
                let mut parts = target.split('.');
                let (ty, name) = (parts.next()?, parts.next()?);
                let name = name.split('[').next().unwrap_or(name);
                Some(format!("{ty}.{name}"))
            }
            _ => None,
        }
    }

    /// Whether the group an ingress rule opens is attached to a load balancer of the
    /// same module (its `security_groups` list refers to the group).
    pub fn fronts_load_balancer(&self, ing: &Ingress<'m>) -> bool {
        let Some(group) = self.ingress_group(ing) else {
            return false;
        };
        LOAD_BALANCERS.iter().any(|ty| {
            self.module_resources(ing.resource.path(), ty).any(|lb| {
                match lb.block.value("security_groups") {
                    Some(Value::List(items)) => items
                        .iter()
                        .any(|v| matches!(v, Value::Reference(r) if refers_to(r, &group))),
                    Some(Value::Reference(r)) => refers_to(r, &group),
                    _ => false,
                }
            })
        })
    }
}

// ---------------------------------------------------------------------------
// switches that must be on

/// `TYPE.NAME` for resources, the block kind (`root_block_device`) for nested blocks.
pub fn block_name(b: &Block) -> String {
    if b.labels.is_empty() {
        b.kind.clone()
    } else {
        b.address()
    }
}

/// A boolean attribute that must be literally `true` and is not.
#[derive(Clone, Debug)]
pub struct NotTrue<'m> {
    /// The attribute, or the block that should hold it.
    pub location: Location<'m>,
    /// `false` is written; otherwise the attribute is missing.
    pub set_false: bool,
    /// The block's [`block_name`] and the attribute, for [`NotTrue::so`].
    block: String,
    attr: String,
}

impl NotTrue<'_> {
    /// `` `attr = false` `` or `` `attr` is not set ``.
    pub fn describe(&self, attr: &str) -> String {
        if self.set_false {
            format!("`{attr} = false`")
        } else {
            format!("`{attr}` is not set")
        }
    }

    /// `` BLOCK: `attr = false`, so {consequence} `` (or `` `attr` is not set ``):
    /// the message of a rule that requires the switch.
    pub fn so(&self, consequence: &str) -> String {
        format!(
            "{}: {}, so {consequence}",
            self.block,
            self.describe(&self.attr)
        )
    }
}

/// `attr` of `block` (in `file`) when it is missing or literally false; a reference
/// or any other value is not reported.
pub fn not_true<'m>(file: &'m Path, block: &Block, attr: &str) -> Option<NotTrue<'m>> {
    let unmet = |path: &str, set_false: bool| NotTrue {
        location: Location::hcl(file, block, path),
        set_false,
        block: block_name(block),
        attr: attr.to_owned(),
    };
    match block.attr(attr) {
        None => Some(unmet("", false)),
        Some(a) if a.value.as_bool() == Some(false) => Some(unmet(attr, true)),
        Some(_) => None,
    }
}

// ---------------------------------------------------------------------------
// environment variables and credentials

/// One literal environment variable of a function or container.
#[derive(Clone, Debug)]
pub struct EnvVar<'m> {
    /// The container it belongs to (ECS), when named.
    pub container: Option<String>,
    pub name: String,
    pub value: String,
    pub location: Location<'m>,
}

/// The literal `environment { variables = { … } }` of an `aws_lambda_function`.
pub fn lambda_environment<'m>(function: &Resource<'m>) -> Vec<EnvVar<'m>> {
    let mut out = Vec::new();
    for env in function.block.body.blocks("environment") {
        let Some(attr) = env.attr("variables") else {
            continue;
        };
        if let Value::Object(_, entries) = &attr.value {
            for (name, value) in entries {
                if let Some(v) = value.as_str() {
                    out.push(EnvVar {
                        container: None,
                        name: name.clone(),
                        value: v.to_owned(),
                        location: function.within(env, "variables"),
                    });
                }
            }
        }
    }
    out
}

/// The literal `environment` entries (`{name, value}`) of every container in an
/// `aws_ecs_task_definition`'s `container_definitions`, written with `jsonencode`,
/// as a JSON string or as a heredoc.
pub fn container_environment<'m>(task: &Resource<'m>) -> Vec<EnvVar<'m>> {
    let mut out = Vec::new();
    let Some(attr) = task.block.attr("container_definitions") else {
        return out;
    };
    let parsed;
    let defs = match &attr.value {
        Value::List(_) => &attr.value,
        Value::String(s) | Value::Template(s) => {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(s.trim()) else {
                return out;
            };
            parsed = Value::from_json(&json);
            &parsed
        }
        _ => return out,
    };
    let fallback = task.at("container_definitions");
    for container in defs.as_list().unwrap_or_default() {
        let name = container
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let Some(env) = container.get("environment").and_then(Value::as_list) else {
            continue;
        };
        for entry in env {
            let (Some(n), Some(v)) = (
                entry.get("name").and_then(Value::as_str),
                entry.get("value").and_then(Value::as_str),
            ) else {
                continue;
            };
            let location = match entry.line() {
                Some(line) => Location {
                    file: task.path(),
                    line: Some(line),
                },
                None => fallback,
            };
            out.push(EnvVar {
                container: name.clone(),
                name: n.to_owned(),
                value: v.to_owned(),
                location,
            });
        }
    }
    out
}

impl EnvVar<'_> {
    /// Whether it holds a literal credential: a name that says so
    /// ([`is_credential_name`]) with a value that looks like a real secret
    /// ([`is_literal_secret`]), or an AWS access key id under any name.
    pub fn is_literal_credential(&self) -> bool {
        (is_credential_name(&self.name) && is_literal_secret(&self.value))
            || is_access_key_id(&self.value)
    }
}

/// An AWS access key id (`AKIA…`, `ASIA…`), whatever the variable is called.
fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The literal credentials in one container's environment (or one function's):
/// moving them to a secret store is one fix.
#[derive(Clone, Debug)]
pub struct Credentials<'m> {
    /// The container (ECS), when named; `None` for a function.
    pub container: Option<String>,
    /// In the order they are written; never empty.
    pub vars: Vec<EnvVar<'m>>,
}

impl<'m> Credentials<'m> {
    /// Where the first of them is written.
    pub fn location(&self) -> Location<'m> {
        self.vars[0].location
    }

    /// `` `A`, `B` ``: the variables' names.
    pub fn names(&self) -> String {
        let names: Vec<String> = self.vars.iter().map(|v| format!("`{}`", v.name)).collect();
        names.join(", ")
    }

    /// `TYPE.NAME` of `owner` (the function or task definition), with
    /// `` , container `NAME` `` when the container is named.
    pub fn label(&self, owner: &Resource<'_>) -> String {
        match &self.container {
            Some(c) => format!("{}, container `{c}`", owner.address()),
            None => owner.address(),
        }
    }
}

/// The variables of `env` that hold literal credentials
/// ([`EnvVar::is_literal_credential`]), grouped by container in the order each
/// container first appears.
pub fn literal_credentials(env: Vec<EnvVar<'_>>) -> Vec<Credentials<'_>> {
    let mut out: Vec<Credentials<'_>> = Vec::new();
    for var in env.into_iter().filter(EnvVar::is_literal_credential) {
        match out.iter_mut().find(|c| c.container == var.container) {
            Some(group) => group.vars.push(var),
            None => out.push(Credentials {
                container: var.container.clone(),
                vars: vec![var],
            }),
        }
    }
    out
}

/// Whether a variable name says it holds a credential: its last word is `password`,
/// `secret`, `token`, `apikey` … (`DB_PASSWORD`, `jwtSecret`, `GITHUB_TOKEN`), or its
/// last two are `api key`, `access key`, `secret key`, `private key`, `client
/// secret`. `TOKEN_TTL`, `SECRET_ARN` and `PASSWORD_FILE` name no credential.
pub fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    let last = words.last().map(String::as_str).unwrap_or("");
    let before = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .map(String::as_str)
        .unwrap_or("");
    matches!(
        last,
        "password"
            | "passwd"
            | "pwd"
            | "secret"
            | "token"
            | "apikey"
            | "credentials"
            | "passphrase"
    ) || (last == "key" && matches!(before, "api" | "access" | "secret" | "private" | "signing"))
}

/// `DB_PASSWORD`, `dbPassword`, `db-password` → `db`, `password`.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch == '_' || ch == '-' || ch == '.' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a literal value looks like a real secret rather than a placeholder, a
/// pointer to a secret store, a flag or a number.
pub fn is_literal_secret(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 6 || v.contains(char::is_whitespace) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    // Where the secret lives, not the secret: ARNs, SSM / Secrets Manager paths,
    // CloudFormation dynamic references, environment lookups.
    const POINTERS: &[&str] = &["arn:", "ssm:", "{{resolve:", "secretsmanager:", "/aws/"];
    if POINTERS.iter().any(|p| lower.starts_with(p)) {
        return false;
    }
    const PLACEHOLDERS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "replaceme",
        "replace-me",
        "replace_me",
        "placeholder",
        "example",
        "dummy",
        "redacted",
        "xxxxxx",
        "your-",
        "your_",
        "todo",
        "none",
        "null",
        "undefined",
        "false",
        "true",
    ];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return false;
    }
    if v.starts_with('<') && v.ends_with('>') || v.starts_with("${") || v.starts_with("$(") {
        return false;
    }
    // A URL without user information, or the name or path of a secret
    // (`prod/db/credentials`): where to find it, not the secret.
    if (lower.starts_with("https://") || lower.starts_with("http://")) && !v.contains('@') {
        return false;
    }
    if v.contains('/')
        && v.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '/' | '.')
        })
    {
        return false;
    }
    if v.chars().all(|c| c == v.chars().next().unwrap_or('x')) {
        return false; // `******`, `xxxxxx`
    }
    if v.parse::<f64>().is_ok() {
        return false;
    }
    true
}

// ---------------------------------------------------------------------------
// state backends

/// A `backend "s3"` block of a `terraform` block.
#[derive(Clone, Copy, Debug)]
pub struct S3Backend<'m> {
    /// The `terraform` block holding it: its file, for locations.
    pub terraform: Resource<'m>,
    pub block: &'m Block,
}

impl<'m> S3Backend<'m> {
    /// Whether the block names its bucket. Only such a complete configuration can be
    /// judged for a missing setting: a partial one gets the rest from
    /// `-backend-config` at `terraform init`.
    pub fn is_complete(&self) -> bool {
        self.block.value("bucket").and_then(Value::as_str).is_some()
    }

    /// A boolean setting that must be on ([`not_true`]): written `false`, or missing
    /// from a complete configuration.
    pub fn not_true(&self, attr: &str) -> Option<NotTrue<'m>> {
        not_true(self.terraform.path(), self.block, attr)
            .filter(|unmet| unmet.set_false || self.is_complete())
    }
}

impl<'m> Terraform<'m> {
    /// Every `backend "s3"` block, in file order.
    pub fn s3_backends(&self) -> impl Iterator<Item = S3Backend<'m>> + '_ {
        self.blocks("terraform", "").flat_map(|terraform| {
            terraform
                .block
                .body
                .blocks("backend")
                .filter(|b| b.type_label() == "s3")
                .map(move |block| S3Backend { terraform, block })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;

    fn model(tf: &str) -> Model {
        Model::from_memory(&[("infra/main.tf", tf)])
    }

    #[test]
    fn ingress_knows_whether_its_group_fronts_a_load_balancer() {
        let m = Model::from_memory(&[
            (
                "a/main.tf",
                "resource \"aws_security_group\" \"lb\" {\n  ingress {\n    from_port = 80\n    to_port = 80\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\nresource \"aws_security_group\" \"app\" {\n  ingress {\n    from_port = 80\n    to_port = 80\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\nresource \"aws_security_group\" \"edge\" {}\nresource \"aws_security_group_rule\" \"http\" {\n  type = \"ingress\"\n  from_port = 80\n  to_port = 80\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n  security_group_id = aws_security_group.edge[0].id\n}\nresource \"aws_lb\" \"web\" {\n  security_groups = [\"${aws_security_group.lb.id}\"]\n}\nresource \"aws_elb\" \"old\" {\n  security_groups = [aws_security_group.edge[0].id]\n}\n",
            ),
            (
                "b/main.tf",
                "resource \"aws_security_group\" \"lb\" {\n  ingress {\n    from_port = 80\n    to_port = 80\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
            ),
        ]);
        let views = crate::Views::new(&m);
        let tf = views.terraform();
        let fronts: Vec<(String, bool)> = tf
            .world_ingress()
            .iter()
            .map(|i| {
                (
                    format!("{} {}", i.location.file.display(), i.resource.address()),
                    tf.fronts_load_balancer(i),
                )
            })
            .collect();
        assert_eq!(
            fronts,
            [
                ("a/main.tf aws_security_group.lb".to_owned(), true),
                ("a/main.tf aws_security_group.app".to_owned(), false),
                ("a/main.tf aws_security_group_rule.http".to_owned(), true),
                // Another module's load balancer is not this group's.
                ("b/main.tf aws_security_group.lb".to_owned(), false),
            ]
        );
    }

    #[test]
    fn companions_are_matched_by_reference_or_name_within_the_module() {
        let m = Model::from_memory(&[
            (
                "a/main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"logs\"\n}\nresource \"aws_s3_bucket\" \"c\" {}\nresource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = aws_s3_bucket.b.id\n}\nresource \"aws_s3_bucket_logging\" \"l\" {\n  bucket = \"logs\"\n}\n",
            ),
            (
                "b/main.tf",
                "resource \"aws_s3_bucket_acl\" \"x\" {\n  bucket = aws_s3_bucket.c.id\n}\nresource \"aws_s3_bucket_policy\" \"p\" {\n  bucket = each.value\n}\n",
            ),
        ]);
        let views = crate::Views::new(&m);
        let tf = views.terraform();
        let buckets: Vec<_> = tf.resources("aws_s3_bucket").collect();
        let found = |b: &Resource<'_>, t: &str| match tf.companion(b, t, "bucket") {
            Companion::Found(c) => format!("found {}", c.address()),
            Companion::Missing => "missing".into(),
            Companion::Unknown => "unknown".into(),
        };
        assert_eq!(
            found(&buckets[0], "aws_s3_bucket_versioning"),
            "found aws_s3_bucket_versioning.v"
        );
        assert_eq!(found(&buckets[1], "aws_s3_bucket_versioning"), "missing");
        assert_eq!(
            found(&buckets[0], "aws_s3_bucket_logging"),
            "found aws_s3_bucket_logging.l"
        );
        // Another module's companions never count, even when they name the bucket.
        assert_eq!(found(&buckets[1], "aws_s3_bucket_acl"), "missing");
        assert_eq!(buckets[0].labelled_by("bucket"), "aws_s3_bucket.b (logs)");
        assert_eq!(buckets[1].labelled_by("bucket"), "aws_s3_bucket.c");
    }

    /// `f` of every world-open ingress rule of the model.
    fn ingress_of<'m, T>(m: &'m Model, f: impl Fn(&Ingress<'m>) -> T) -> Vec<T> {
        crate::Views::new(m)
            .terraform()
            .world_ingress()
            .iter()
            .map(f)
            .collect()
    }

    #[test]
    fn world_ingress_in_every_form_with_ports() {
        let m = model(
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
  ingress {
    protocol         = "icmp"
    from_port        = -1
    to_port          = -1
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_default_security_group" "d" {
  ingress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group_rule" "r" {
  type        = "ingress"
  from_port   = var.p
  to_port     = var.p
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
resource "aws_vpc_security_group_ingress_rule" "v" {
  cidr_ipv6   = "::/0"
  from_port   = 8000
  to_port     = 8080
  ip_protocol = "tcp"
}
"#,
        );
        let got = ingress_of(&m, |i| {
            (
                i.resource.address(),
                i.location.line,
                i.ports.map(|p| p.describe()),
            )
        });
        assert_eq!(
            got,
            vec![
                (
                    "aws_security_group.s".into(),
                    Some(6),
                    Some("port 22".into())
                ),
                (
                    "aws_default_security_group.d".into(),
                    Some(20),
                    Some("all ports".into())
                ),
                ("aws_security_group_rule.r".into(), Some(28), None),
                (
                    "aws_vpc_security_group_ingress_rule.v".into(),
                    Some(31),
                    Some("ports 8000-8080".into())
                ),
            ]
        );
        let ssh = PortRange { from: 0, to: 100 };
        assert_eq!(ssh.admin_port(), Some(22));
        assert_eq!(PortRange { from: 443, to: 443 }.admin_port(), None);
    }

    #[test]
    fn ports_given_by_a_variable_take_its_default_in_the_same_module() {
        let rule = |port: &str| {
            format!("resource \"aws_security_group_rule\" \"r\" {{\n  type = \"ingress\"\n  from_port = {port}\n  to_port = {port}\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n}}\n")
        };
        let m = Model::from_memory(&[
            ("a/main.tf", rule("var.ssh_port").as_str()),
            ("a/variables.tf", "variable \"ssh_port\" {\n  type = number\n  default = 22\n}\nvariable \"app_port\" {\n  type = number\n}\n"),
            ("b/main.tf", rule("var.app_port").as_str()),
            ("b/variables.tf", "variable \"app_port\" {\n  default = 8080\n}\n"),
            ("c/main.tf", rule("var.ssh_port").as_str()),
            ("d/main.tf", rule("var.app_port").as_str()),
            ("d/variables.tf", "variable \"app_port\" {\n  type = number\n}\n"),
        ]);
        let got = ingress_of(&m, |i| {
            (
                i.ports.map(|p| p.describe()),
                i.port_variable,
                i.ports_origin(),
            )
        });
        assert_eq!(
            got,
            [
                (
                    Some("port 22".to_owned()),
                    Some("var.ssh_port"),
                    " (`var.ssh_port`'s default, unless overridden)".to_owned()
                ),
                (
                    Some("port 8080".to_owned()),
                    Some("var.app_port"),
                    " (`var.app_port`'s default, unless overridden)".to_owned()
                ),
                // Declared in another module only, or without a default: the caller decides.
                (None, Some("var.ssh_port"), String::new()),
                (None, Some("var.app_port"), String::new()),
            ]
        );
    }

    #[test]
    fn switches_that_must_be_on() {
        let tf = paved_parse::hcl::parse(
            "main.tf".into(),
            "resource \"aws_ebs_volume\" \"v\" {\n  encrypted = false\n  a = var.x\n}\n",
        )
        .unwrap();
        let b = &tf.blocks[0];
        let off = not_true(&tf.path, b, "encrypted").unwrap();
        assert!(off.set_false);
        assert_eq!(off.location.line, Some(2));
        assert_eq!(off.describe("encrypted"), "`encrypted = false`");
        assert_eq!(
            off.so("the volume is not encrypted"),
            "aws_ebs_volume.v: `encrypted = false`, so the volume is not encrypted"
        );
        let unset = not_true(&tf.path, b, "missing").unwrap();
        assert_eq!((unset.set_false, unset.location.line), (false, Some(1)));
        assert!(not_true(&tf.path, b, "a").is_none());
        assert_eq!(block_name(b), "aws_ebs_volume.v");
    }

    #[test]
    fn environment_of_functions_and_containers() {
        let m = model(
            r#"resource "aws_lambda_function" "f" {
  environment {
    variables = {
      DB_PASSWORD = "s3cr3t-Value"
      REGION      = var.region
    }
  }
}
resource "aws_ecs_task_definition" "t" {
  container_definitions = jsonencode([
    {
      name = "app"
      environment = [
        { name = "API_KEY", value = "abcd1234efgh" },
        { name = "PORT", value = "8080" },
      ]
    }
  ])
}
resource "aws_ecs_task_definition" "h" {
  container_definitions = <<EOF
[{"name": "web", "environment": [{"name": "JWT_SECRET", "value": "q9w8e7r6t5"}]}]
EOF
}
"#,
        );
        let views = crate::Views::new(&m);
        let tf = views.terraform();
        let f = tf.resources("aws_lambda_function").next().unwrap();
        let env = lambda_environment(&f);
        assert_eq!(env.len(), 1);
        assert_eq!(
            (env[0].name.as_str(), env[0].location.line),
            ("DB_PASSWORD", Some(3))
        );
        let tasks: Vec<_> = tf.resources("aws_ecs_task_definition").collect();
        let env = container_environment(&tasks[0]);
        assert_eq!(env.len(), 2);
        assert_eq!(env[0].container.as_deref(), Some("app"));
        assert_eq!(
            (env[0].name.as_str(), env[0].location.line),
            ("API_KEY", Some(14))
        );
        let env = container_environment(&tasks[1]);
        assert_eq!(env.len(), 1);
        assert_eq!(
            (env[0].name.as_str(), env[0].location.line),
            ("JWT_SECRET", Some(21))
        );
    }

    #[test]
    fn literal_credentials_are_grouped_by_container() {
        let m = model(
            r#"resource "aws_ecs_task_definition" "t" {
  container_definitions = jsonencode([
    {
      name = "app"
      environment = [
        { name = "API_KEY", value = "abcd1234efgh" },
        { name = "PORT", value = "8080" },
        { name = "LEGACY", value = "AKIAIOSFODNN7QWERTY1" },
      ]
    },
    {
      name = "sidecar"
      environment = [{ name = "DB_PASSWORD", value = "changeme" }]
    },
    {
      name = "worker"
      environment = [{ name = "JWT_SECRET", value = "q9w8e7r6t5" }]
    },
  ])
}
"#,
        );
        let views = crate::Views::new(&m);
        let task = views
            .terraform()
            .resources("aws_ecs_task_definition")
            .next()
            .unwrap();
        let groups = literal_credentials(container_environment(&task));
        let seen: Vec<_> = groups
            .iter()
            .map(|g| (g.label(&task), g.names(), g.location().line))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "aws_ecs_task_definition.t, container `app`".to_owned(),
                    "`API_KEY`, `LEGACY`".to_owned(),
                    Some(6)
                ),
                (
                    "aws_ecs_task_definition.t, container `worker`".to_owned(),
                    "`JWT_SECRET`".to_owned(),
                    Some(17)
                ),
            ]
        );
    }

    #[test]
    fn s3_backends_judge_missing_settings_only_when_complete() {
        let m = model(
            r#"terraform {
  backend "s3" {
    bucket  = "state"
    encrypt = false
  }
}
terraform {
  backend "s3" {
    key = "partial.tfstate"
  }
  backend "gcs" {
    bucket = "other"
  }
}
"#,
        );
        let views = crate::Views::new(&m);
        let backends: Vec<_> = views.terraform().s3_backends().collect();
        assert_eq!(backends.len(), 2);
        assert!(backends[0].is_complete() && !backends[1].is_complete());
        let unmet = backends[0].not_true("encrypt").unwrap();
        assert_eq!((unmet.set_false, unmet.location.line), (true, Some(4)));
        let unmet = backends[0].not_true("use_lockfile").unwrap();
        assert_eq!((unmet.set_false, unmet.location.line), (false, Some(2)));
        assert!(backends[1].not_true("encrypt").is_none());
    }

    #[test]
    fn credential_names_and_values() {
        for yes in [
            "DB_PASSWORD",
            "dbPassword",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "API_KEY",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_SECRET_KEY",
            "client_secret",
            "PRIVATE_KEY",
        ] {
            assert!(is_credential_name(yes), "{yes}");
        }
        for no in [
            "TOKEN_TTL",
            "SECRET_ARN",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "PORT",
            "KEY_ID",
            "PUBLIC_KEY",
            "TOKEN_URL",
        ] {
            assert!(!is_credential_name(no), "{no}");
        }
        for yes in ["s3cr3t-Value", "hunter2hunter2", "AKIAIOSFODNN7QWERTY1"] {
            assert!(is_literal_secret(yes), "{yes}");
        }
        for no in [
            "",
            "short",
            "changeme",
            "<password>",
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            "******",
            "3600",
            "true",
            "your-token-here",
            "${TOKEN}",
        ] {
            assert!(!is_literal_secret(no), "{no}");
        }
    }
}
