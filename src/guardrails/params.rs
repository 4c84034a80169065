//! Rule parameters from the active guardrails profile (`[params]` in
//! `guardrails/<profile>.toml`), with typed getters so rules never parse TOML.

#[derive(Clone, Debug, Default)]
pub struct Params {
    table: toml::Table,
}

impl Params {
    pub fn new(table: toml::Table) -> Self {
        Params { table }
    }

    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    /// A list of strings, or `default` when the key is absent or not such a list
    /// (profiles are validated when loaded, so a wrong type never reaches a rule).
    pub fn strings(&self, key: &str, default: &[&str]) -> Vec<String> {
        match self.table.get(key).and_then(|v| v.as_array()) {
            Some(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            None => default.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    pub fn integer(&self, key: &str, default: i64) -> i64 {
        self.table
            .get(key)
            .and_then(|v| v.as_integer())
            .unwrap_or(default)
    }

    pub fn boolean(&self, key: &str, default: bool) -> bool {
        self.table
            .get(key)
            .and_then(|v| v.as_bool())
            .unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getters_fall_back_to_defaults() {
        let table: toml::Table = toml::from_str(
            "registries = [\"gcr.io\", \"cgr.dev\"]\nretention_days = 365\nstrict = true",
        )
        .unwrap();
        let p = Params::new(table);
        assert_eq!(p.strings("registries", &[]), ["gcr.io", "cgr.dev"]);
        assert_eq!(p.strings("missing", &["x"]), ["x"]);
        assert_eq!(p.integer("retention_days", 30), 365);
        assert!(p.boolean("strict", false));
    }
}
