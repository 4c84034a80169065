//! The declaration of rules not yet converted to [`rule!`](super::declare::rule):
//! metadata as string fields in a static array. The catalog adapts them
//! ([`Rule::to_catalog`]); a domain leaves this module when its rules move to one
//! file each (docs/contributing-rules.md). Delete the module when no domain uses it.

use super::params::ParamSpec;
use super::rule::{self, CheckFn, Runnable};
use super::{Domain, Severity};

/// A rule of a domain not yet converted.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: CheckFn,
}

/// Its metadata, texts as string fields.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub domain: Domain,
    pub severity: Severity,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub references: &'static [&'static str],
}

impl Rule {
    /// The catalog entry: no example, parameters from the legacy table.
    pub fn to_catalog(&self) -> rule::Rule {
        let m = &self.meta;
        rule::Rule {
            meta: rule::RuleMeta {
                id: m.id,
                title: m.title,
                domain: m.domain,
                severity: m.severity,
                rationale: m.rationale,
                remediation: m.remediation,
                references: m.references,
                example: None,
                params: NO_PARAMS,
                source: None,
                graded: None,
            },
            check: self.check,
        }
    }
}

const NO_PARAMS: &[ParamSpec] = &[];

impl Runnable for Rule {
    fn id(&self) -> &'static str {
        self.meta.id
    }
    fn check_fn(&self) -> CheckFn {
        self.check
    }
}
