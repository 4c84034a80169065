//! Repository hygiene (`PVD-REPO-*`) and committed secrets (`PVD-SECRET-*`).
//!
//! Hygiene rules look at which files exist and at a few small policy files
//! (SECURITY.md, CODEOWNERS, dependabot.yml, .gitignore); secret rules scan the text
//! of every file. Each rule's metadata sits beside its check in the submodules.

use crate::guardrails::legacy::Rule;

mod hygiene;
mod secrets;

#[cfg(test)]
pub(crate) use hygiene::tests::golden_files;

pub static RULES: &[Rule] = &[
    hygiene::SECURITY_POLICY_MISSING,
    hygiene::SECURITY_POLICY_NO_CONTACT,
    hygiene::CODEOWNERS_MISSING,
    hygiene::CODEOWNERS_NO_CATCH_ALL,
    hygiene::CODEOWNERS_SYNTAX,
    hygiene::DEPENDENCY_UPDATES_MISSING,
    hygiene::DEPENDABOT_ECOSYSTEM_UNCOVERED,
    hygiene::LOCKFILE_MISSING,
    hygiene::GITIGNORE_WEAK,
    hygiene::ENV_FILE_COMMITTED,
    secrets::PRIVATE_KEY,
    secrets::AWS_ACCESS_KEY,
    secrets::SERVICE_TOKEN,
    secrets::GENERIC_CREDENTIAL,
    secrets::JWT,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{check_all, Domain, Params, RepoModel};

    #[test]
    fn ids_match_domains() {
        for rule in RULES {
            let m = &rule.meta;
            if m.id.starts_with("PVD-REPO-") {
                assert_eq!(m.domain, Domain::Repository, "{}", m.id);
            } else {
                assert!(m.id.starts_with("PVD-SECRET-"), "{}", m.id);
                assert_eq!(m.domain, Domain::Secrets, "{}", m.id);
            }
        }
    }

    /// The repository a platform team would call clean: no rule of this module fires.
    #[test]
    fn golden_repository_has_no_hits() {
        let model = RepoModel::from_memory(&golden_files());
        let hits = check_all(&model, &Params::default(), RULES);
        assert!(hits.is_empty(), "{hits:#?}");
    }
}
