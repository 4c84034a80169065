//! Rule parameters from the active guardrails profile (`[params]` in
//! `guardrails/<profile>.toml`).
//!
//! A rule declares its parameters as a typed struct with [`params!`]: each field's
//! doc comment, type and default are the parameter's documentation (the table in
//! guardrails/README.md is generated from them), its validation (the profile loader
//! refuses unknown keys and wrong types) and its value in the check
//! (`cx.params::<MyParams>()`), so rules never parse TOML.

/// The profile's `[params]` table, validated when the profile was loaded.
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

/// The type a parameter must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Strings,
    Integers,
    Integer,
    Boolean,
}

impl ParamKind {
    pub fn describe(self) -> &'static str {
        match self {
            ParamKind::Strings => "a list of strings",
            ParamKind::Integers => "a list of integers",
            ParamKind::Integer => "an integer",
            ParamKind::Boolean => "true or false",
        }
    }

    /// How the parameter table in guardrails/README.md names the type.
    pub fn short(self) -> &'static str {
        match self {
            ParamKind::Strings => "list of strings",
            ParamKind::Integers => "list of integers",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "true/false",
        }
    }

    pub fn accepts(self, value: &toml::Value) -> bool {
        match self {
            ParamKind::Strings => value
                .as_array()
                .is_some_and(|a| a.iter().all(toml::Value::is_str)),
            ParamKind::Integers => value
                .as_array()
                .is_some_and(|a| a.iter().all(toml::Value::is_integer)),
            ParamKind::Integer => value.is_integer(),
            ParamKind::Boolean => value.is_bool(),
        }
    }
}

/// A parameter a profile may set.
#[derive(Debug)]
pub struct ParamSpec {
    pub key: &'static str,
    pub kind: ParamKind,
    /// One paragraph (from the field's doc comment for declared parameters).
    pub description: &'static str,
    /// The value when the profile does not set it.
    pub default: fn() -> toml::Value,
}

impl ParamSpec {
    /// The default as TOML (`[]`, `365`, `["cpu", "memory"]`).
    pub fn default_toml(&self) -> String {
        (self.default)().to_string()
    }
}

/// A Rust type a parameter can have.
pub trait ParamType: Sized {
    const KIND: ParamKind;
    /// The value of `key`, when the profile sets it.
    fn read(params: &Params, key: &str) -> Option<Self>;
    fn to_toml(&self) -> toml::Value;
}

impl ParamType for Vec<String> {
    const KIND: ParamKind = ParamKind::Strings;
    fn read(params: &Params, key: &str) -> Option<Self> {
        let items = params.table.get(key)?.as_array()?;
        Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )
    }
    fn to_toml(&self) -> toml::Value {
        toml::Value::Array(self.iter().cloned().map(toml::Value::String).collect())
    }
}

impl ParamType for Vec<i64> {
    const KIND: ParamKind = ParamKind::Integers;
    fn read(params: &Params, key: &str) -> Option<Self> {
        let items = params.table.get(key)?.as_array()?;
        Some(items.iter().filter_map(toml::Value::as_integer).collect())
    }
    fn to_toml(&self) -> toml::Value {
        toml::Value::Array(self.iter().copied().map(toml::Value::Integer).collect())
    }
}

impl ParamType for i64 {
    const KIND: ParamKind = ParamKind::Integer;
    fn read(params: &Params, key: &str) -> Option<Self> {
        params.table.get(key)?.as_integer()
    }
    fn to_toml(&self) -> toml::Value {
        toml::Value::Integer(*self)
    }
}

impl ParamType for bool {
    const KIND: ParamKind = ParamKind::Boolean;
    fn read(params: &Params, key: &str) -> Option<Self> {
        params.table.get(key)?.as_bool()
    }
    fn to_toml(&self) -> toml::Value {
        toml::Value::Boolean(*self)
    }
}

/// A rule's typed parameters; implemented by [`params!`].
pub trait RuleParams: Sized {
    const SPECS: &'static [ParamSpec];
    /// The values from the profile, defaults for what it does not set.
    fn load(params: &Params) -> Self;
}

/// Declares a rule's parameters:
///
/// ```ignore
/// params! {
///     pub struct RegistryParams {
///         /// Registries (host or host/path prefix) base images may come from;
///         /// empty allows any.
///         allowed_registries: Vec<String> = Vec::new(),
///     }
/// }
/// ```
///
/// The key in `[params]` is the field name; the type is one of `Vec<String>`,
/// `Vec<i64>`, `i64`, `bool`.
macro_rules! params {
    (
        $(#[doc = $sdoc:literal])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:expr
            ),+ $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, Debug)]
        $vis struct $name {
            $(
                $(#[doc = $doc])+
                pub $field: $ty,
            )+
        }

        impl $crate::guardrails::params::RuleParams for $name {
            const SPECS: &'static [$crate::guardrails::params::ParamSpec] = &[
                $(
                    $crate::guardrails::params::ParamSpec {
                        key: stringify!($field),
                        kind: <$ty as $crate::guardrails::params::ParamType>::KIND,
                        description: concat!($($doc),+),
                        default: || {
                            let value: $ty = $default;
                            $crate::guardrails::params::ParamType::to_toml(&value)
                        },
                    },
                )+
            ];

            fn load(params: &$crate::guardrails::params::Params) -> Self {
                $name {
                    $(
                        $field: <$ty as $crate::guardrails::params::ParamType>::read(
                            params,
                            stringify!($field),
                        )
                        .unwrap_or_else(|| $default),
                    )+
                }
            }
        }
    };
}
pub(crate) use params;

#[cfg(test)]
mod tests {
    use super::*;

    params! {
        /// Test parameters.
        struct TestParams {
            /// Registries.
            registries: Vec<String> = vec!["docker.io".to_owned()],
            /// Days.
            retention_days: i64 = 30,
        }
    }

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

    #[test]
    fn typed_parameters_read_the_profile_and_document_themselves() {
        let set = Params::new(toml::from_str("retention_days = 90").unwrap());
        let p = TestParams::load(&set);
        assert_eq!(p.registries, ["docker.io"]);
        assert_eq!(p.retention_days, 90);
        let specs = TestParams::SPECS;
        assert_eq!(specs[0].key, "registries");
        assert_eq!(specs[0].kind, ParamKind::Strings);
        assert_eq!(specs[0].description.trim(), "Registries.");
        assert_eq!(specs[0].default_toml(), "[\"docker.io\"]");
        assert_eq!(specs[1].default_toml(), "30");
    }
}
