use paved_model::terraform::cloud::{bool_or, is_set, setting, single, Setting};

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Cloud SQL instance without automated backups
    ///
    /// ## Why it matters
    /// `backup_configuration.enabled` defaults to false: without backups (and the
    /// point-in-time recovery they allow) a dropped table, a bad migration or an
    /// attacker's deletion or encryption of the data cannot be undone.
    ///
    /// ## How to fix it
    /// Add `backup_configuration { enabled = true }` to `settings` (with
    /// `point_in_time_recovery_enabled` or `binary_log_enabled` for recovery to any
    /// moment).
    ///
    /// ## Example
    /// ```hcl
    /// # flagged: no backups
    /// resource "google_sql_database_instance" "db" {
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///   }
    /// }
    /// ```
    /// ```hcl
    /// resource "google_sql_database_instance" "db" {
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///     backup_configuration {
    ///       enabled                        = true
    ///       point_in_time_recovery_enabled = true
    ///     }
    ///   }
    /// }
    /// ```
    pub struct SqlBackups {
        id: "PVD-TF-204",
        severity: Low,
        references: ["checkov:CKV_GCP_14", "cis-gcp:6.7"],
    }
}

impl Check for SqlBackups {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for r in cx.terraform().resources("google_sql_database_instance") {
            // Read replicas cannot have backups of their own.
            if setting(r.block, "master_instance_name") != Setting::Default {
                continue;
            }
            let Some(Some(settings)) = single(r.block, "settings") else {
                continue;
            };
            let Some(backups) = single(settings, "backup_configuration") else {
                continue;
            };
            let enabled = match backups {
                Some(b) => bool_or(b, "enabled", false),
                None => Some(false),
            };
            if enabled != Some(false) {
                continue;
            }
            let why = if backups.is_some_and(|b| is_set(b, "enabled")) {
                "backup_configuration.enabled = false"
            } else {
                "automated backups are off by default"
            };
            out.at(r.at("settings.backup_configuration.enabled")).say(format!(
                "{}: {why}, so deleted or corrupted data cannot be restored",
                r.block.address()
            ));
        }
    }
}
