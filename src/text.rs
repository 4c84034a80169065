//! Wording shared by finding messages and reports. The lowest layer of the crate (it
//! imports nothing), so the drift engine and the renderers above it can both use it.

/// `one` when `n` is 1, else `many`: `plural(n, "template is a", "templates are")`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}
