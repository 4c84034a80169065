//! Hostile input to `paved new`: names, values and blueprints that try to escape the
//! target directory, break out of the files they are rendered into, or exhaust the
//! stack or memory. Each must fail with exit code 2, a one-line error naming the
//! file, and no change to the file system; hostile blueprints also fail
//! `paved blueprint check`, which names the same file.

use std::fs;
use std::path::Path;

use crate::common::*;

/// Runs `paved new` in an empty directory and checks it failed cleanly.
fn refused(args: &[&str], blueprints: &Path, expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let before = tree(tmp.path());
    let output = paved()
        .current_dir(&work)
        .arg("--blueprints")
        .arg(blueprints)
        .arg("new")
        .args(args)
        .output()
        .unwrap();
    let err = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "args {args:?}: {err}");
    assert!(
        err.contains(expect),
        "args {args:?}: expected {expect:?} in {err:?}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one-line error expected: {err:?}"
    );
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(
        tree(tmp.path()),
        before,
        "args {args:?} changed the file system"
    );
}

#[test]
fn hostile_service_names() {
    for name in [
        "../x",
        "/abs",
        "a/b",
        "..",
        ".",
        "",
        "a\"b",
        "it's",
        "$(touch pwned)",
        "`id`",
        "a\nb",
        "{{name}}",
        "Demo",
        "a b",
        "-rf",
        "x;y",
    ] {
        refused(
            &["--no-input", "-b", "full", "--", name],
            &fixture_blueprints(),
            "invalid service name",
        );
    }
}

#[test]
fn hostile_values() {
    let bp = fixture_blueprints();
    let cases: &[(&str, &str)] = &[
        ("description=line one\nline two", "single line"),
        ("description=ok\r", "single line"),
        ("description=$(curl evil)", "must not contain '$'"),
        ("description=say \"hi\"", "must not contain '\"'"),
        ("description=${{ secrets.TOKEN }}", "must not contain '$'"),
        ("description={{owner}}", "must not contain '{'"),
        ("description=a: b # c", "must not contain '#'"),
        ("description=x; rm -rf /", "must not contain ';'"),
        ("owner=acme", "does not match the pattern"),
        ("exposure=public", "is not one of: internet, internal"),
        ("iac=kubernetes,helm", "\"helm\" is not one of"),
        ("use_db=maybe", "is not a boolean"),
        ("nope=1", "unknown variable \"nope\""),
        ("replicas=3", "does not apply"),
        ("name=other", "NAME argument"),
        ("novalue", "is not KEY=VALUE"),
    ];
    for (set, expect) in cases {
        refused(
            &["--no-input", "-b", "full", "svc", "--set", set],
            &bp,
            expect,
        );
    }
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--set",
            "exposure=internet",
            "--set",
            "replicas=11",
        ],
        &bp,
        "greater than the maximum 10",
    );
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--set",
            "exposure=internet",
            "--set",
            "replicas=x",
        ],
        &bp,
        "is not an integer",
    );
    refused(
        &["--no-input", "-b", "full", "svc", "--set", "description="],
        &bp,
        "must not be empty",
    );
}

#[test]
fn missing_required_answer_names_the_variable() {
    refused(
        &["--no-input", "-b", "full", "svc", "--set", "use_db=true"],
        &fixture_blueprints(),
        "no answer for db_name",
    );
}

#[test]
fn hostile_answers_files() {
    let tmp = tempfile::tempdir().unwrap();
    let bad_type = tmp.path().join("bad-type.toml");
    fs::write(&bad_type, "use_db = \"yes\"\n").unwrap();
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--answers",
            bad_type.to_str().unwrap(),
        ],
        &fixture_blueprints(),
        "expected a boolean",
    );
    let unknown = tmp.path().join("unknown.toml");
    fs::write(&unknown, "colour = \"red\"\n").unwrap();
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--answers",
            unknown.to_str().unwrap(),
        ],
        &fixture_blueprints(),
        "unknown variable \"colour\"",
    );
    let broken = tmp.path().join("broken.toml");
    fs::write(&broken, "a = \n").unwrap();
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--answers",
            broken.to_str().unwrap(),
        ],
        &fixture_blueprints(),
        "broken.toml:1",
    );
    let newline = tmp.path().join("newline.toml");
    fs::write(&newline, "description = \"\"\"two\nlines\"\"\"\n").unwrap();
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--answers",
            newline.to_str().unwrap(),
        ],
        &fixture_blueprints(),
        "single line",
    );
    refused(
        &[
            "--no-input",
            "-b",
            "full",
            "svc",
            "--answers",
            "/nonexistent.toml",
        ],
        &fixture_blueprints(),
        "cannot read the answers file",
    );
}

/// A copy of the fixture blueprint in a temporary catalog, broken by `f`.
fn broken_catalog(f: impl FnOnce(&Path)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let bp = copy_fixture("full", tmp.path());
    f(&bp);
    tmp
}

#[test]
fn symlinked_template_file_is_refused() {
    let cat = broken_catalog(|bp| {
        std::os::unix::fs::symlink("/etc/passwd", bp.join("template/passwd")).unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "symbolic links are not allowed",
    );
}

#[test]
fn symlinked_template_directory_is_refused() {
    let cat = broken_catalog(|bp| {
        std::os::unix::fs::symlink("/etc", bp.join("template/etc")).unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "symbolic links are not allowed",
    );
}

#[test]
fn rule_paths_with_dotdot_or_absolute_are_refused() {
    for pattern in ["../outside/**", "/etc/**"] {
        let cat = broken_catalog(|bp| {
            let manifest = bp.join("blueprint.toml");
            let text = fs::read_to_string(&manifest)
                .unwrap()
                .replace("path = \"db/**\"", &format!("path = \"{pattern}\""));
            fs::write(manifest, text).unwrap();
        });
        refused(&["--no-input", "svc"], cat.path(), "no '..'");
    }
}

#[test]
fn templated_names_cannot_escape() {
    // A choice value of ".." used as a directory name would climb out of the target.
    let cat = broken_catalog(|bp| {
        let manifest = bp.join("blueprint.toml");
        let text = fs::read_to_string(&manifest).unwrap().replace(
            "choices = [\"internet\", \"internal\"]",
            "choices = [\"internet\", \"internal\", \"..\"]",
        );
        fs::write(manifest, text).unwrap();
        fs::create_dir(bp.join("template/{{exposure}}")).unwrap();
        fs::write(bp.join("template/{{exposure}}/x.txt"), "x").unwrap();
    });
    refused(
        &["--no-input", "svc", "--set", "exposure=.."],
        cat.path(),
        "which would leave its directory",
    );
}

#[test]
fn templates_cannot_write_git_hooks_or_provenance() {
    let cat = broken_catalog(|bp| {
        fs::create_dir_all(bp.join("template/.git/hooks")).unwrap();
        fs::write(
            bp.join("template/.git/hooks/post-checkout"),
            "#!/bin/sh\ntouch /tmp/pwned\n",
        )
        .unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "may not write into .git/",
    );
    let cat = broken_catalog(|bp| {
        fs::create_dir_all(bp.join("template/.paved")).unwrap();
        fs::write(bp.join("template/.paved/answers.toml"), "").unwrap();
    });
    refused(&["--no-input", "svc"], cat.path(), "reserved");
}

#[test]
fn template_syntax_error_names_file_and_line() {
    let cat = broken_catalog(|bp| {
        fs::write(
            bp.join("template/broken.txt.hbs"),
            "line one\nline {{#if}} two\n{{/each}}\n",
        )
        .unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "template/broken.txt.hbs:",
    );
}

#[test]
fn undefined_variable_is_an_error_not_an_empty_string() {
    let cat = broken_catalog(|bp| {
        fs::write(bp.join("template/typo.txt.hbs"), "ok\nowner: {{ownr}}\n").unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "template/typo.txt.hbs:2: uses \"ownr\", which is not a declared variable",
    );
}

#[test]
fn malformed_manifest_names_the_line() {
    let cat = broken_catalog(|bp| {
        let manifest = bp.join("blueprint.toml");
        let text = fs::read_to_string(&manifest)
            .unwrap()
            .replace("max_length = 80", "max_lenght = 80");
        fs::write(manifest, text).unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "blueprint.toml:13:1: unknown field `max_lenght`",
    );
}

#[test]
fn templates_cannot_read_files_or_run_code() {
    // Partials and script helpers are not available: a template that tries is an error.
    let cat = broken_catalog(|bp| {
        fs::write(bp.join("template/inc.txt.hbs"), "{{> /etc/passwd}}\n").unwrap();
    });
    refused(&["--no-input", "svc"], cat.path(), "inc.txt.hbs");
}

/// `paved blueprint check DIR` fails and names what `expect` says.
fn check_refused(dir: &Path, expect: &str) {
    let output = paved()
        .args(["blueprint", "check"])
        .arg(dir)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout_of(&output), stderr_of(&output));
    assert!(
        !output.status.success(),
        "blueprint check passed {}:\n{text}",
        dir.display()
    );
    assert!(
        text.contains(expect),
        "blueprint check {}: expected {expect:?} in {text:?}",
        dir.display()
    );
}

fn hostile_blueprints() -> std::path::PathBuf {
    fixtures().join("hostile-blueprints")
}

/// Hostile templates in tests/fixtures/hostile-blueprints: recursive partials, broken
/// syntax, undefined variables, nesting and loops that would exhaust the stack or
/// memory, partial names that try to leave the blueprint. `paved new` exits 2 naming
/// the file and writes nothing; `paved blueprint check` reports the same file.
#[test]
fn hostile_templates_are_refused_by_new_and_check() {
    let cases: &[(&str, &str)] = &[
        (
            "partial-loop",
            "template/loop.txt.hbs:1: partials include each other in a cycle",
        ),
        (
            "partial-mutual",
            "template/b.txt.hbs:1: partials include each other in a cycle, which would never end: inline partial \"pong\" -> inline partial \"ping\" -> inline partial \"pong\"",
        ),
        (
            "template-cycle",
            "template/a.txt.hbs: partials include each other in a cycle, which would never end: template/a.txt.hbs -> template/b.txt.hbs -> template/a.txt.hbs",
        ),
        (
            "partials-cycle",
            "partials/one.hbs: partials include each other in a cycle, which would never end: one -> two -> one",
        ),
        (
            "broken-syntax",
            "template/broken.txt.hbs:3:1: invalid handlebars syntax",
        ),
        (
            "undefined-variable",
            "template/typo.txt.hbs:2: uses \"colour\", which is not a declared variable",
        ),
        (
            "undefined-in-partial",
            "partials/part.hbs:1: uses \"colour\", which is not a declared variable",
        ),
        ("deep-blocks", "template/deep.txt.hbs:2: nests blocks"),
        ("deep-parens", "template/deep.txt.hbs:2: nests blocks"),
        ("deep-else-if", "template/deep.txt.hbs:2: nests blocks"),
        (
            "loop-bomb",
            "template/bomb.txt.hbs: could evaluate 5726623062 template elements",
        ),
        (
            "output-bomb",
            "template/big.txt.hbs: renders more than 32 MiB",
        ),
        (
            "partial-escape",
            "template/x.txt.hbs:1: includes the partial \"../../../../etc/passwd\", which this blueprint does not define",
        ),
        (
            "partial-computed",
            "template/x.txt.hbs:1: includes a partial whose name is computed",
        ),
        ("partial-block", "template/x.txt.hbs:1: uses a partial block"),
    ];
    let catalog = hostile_blueprints();
    let on_disk: Vec<String> = fs::read_dir(&catalog)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(on_disk.len(), cases.len(), "a fixture without a case");
    for (id, expect) in cases {
        let expect = format!("{id}/{expect}");
        refused(&["--no-input", "-b", id, "svc"], &catalog, &expect);
        check_refused(&catalog.join(id), &expect);
    }
}

/// A link anywhere in a blueprint, pointing inside it or out of it, is refused by
/// both commands, named, before anything is read through it.
#[test]
fn symbolic_links_in_and_out_are_refused_by_new_and_check() {
    type Make = fn(&Path);
    let cases: &[(&str, Make, &str)] = &[
        (
            "a template linking to another template of the same blueprint",
            |bp| {
                std::os::unix::fs::symlink("README.md.hbs", bp.join("template/again.md.hbs"))
                    .unwrap()
            },
            "template/again.md.hbs: symbolic links are not allowed",
        ),
        (
            "a template linking outside",
            |bp| std::os::unix::fs::symlink("/etc/hostname", bp.join("template/host.hbs")).unwrap(),
            "template/host.hbs: symbolic links are not allowed",
        ),
        (
            "a folder linking back into the blueprint",
            |bp| std::os::unix::fs::symlink("..", bp.join("template/loop")).unwrap(),
            "template/loop: symbolic links are not allowed",
        ),
        (
            "the manifest as a link",
            |bp| {
                fs::rename(bp.join("blueprint.toml"), bp.join("real.toml")).unwrap();
                std::os::unix::fs::symlink("real.toml", bp.join("blueprint.toml")).unwrap();
            },
            "blueprint.toml: symbolic links are not allowed",
        ),
        (
            "a partial linking outside",
            |bp| {
                fs::create_dir_all(bp.join("partials")).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", bp.join("partials/host.hbs")).unwrap();
            },
            "partials/host.hbs: symbolic links are not allowed",
        ),
    ];
    for (what, make, expect) in cases {
        let cat = broken_catalog(make);
        let bp = cat.path().join("full");
        eprintln!("case: {what}");
        refused(&["--no-input", "svc"], cat.path(), expect);
        check_refused(&bp, expect);
    }

    // The blueprint folder itself a link to one elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let real = copy_fixture("full", elsewhere.path());
    let cat = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&real, cat.path().join("full")).unwrap();
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "full: symbolic links are not allowed",
    );
    check_refused(
        &cat.path().join("full"),
        "full: symbolic links are not allowed",
    );
}

/// Paths that leave the blueprint or the target: `..` and absolute paths in rules,
/// templated names and partial names. `blueprint check` reports them as well.
#[test]
fn dotdot_and_absolute_paths_are_refused_by_check_too() {
    for pattern in ["../outside/**", "/etc/**"] {
        let cat = broken_catalog(|bp| {
            let manifest = bp.join("blueprint.toml");
            let text = fs::read_to_string(&manifest)
                .unwrap()
                .replace("path = \"db/**\"", &format!("path = \"{pattern}\""));
            fs::write(manifest, text).unwrap();
        });
        check_refused(&cat.path().join("full"), "no '..'");
    }
    let cat = broken_catalog(|bp| {
        fs::write(bp.join("template/inc.txt.hbs"), "{{> /etc/passwd}}\n").unwrap();
    });
    refused(
        &["--no-input", "svc"],
        cat.path(),
        "template/inc.txt.hbs:1: includes the partial \"/etc/passwd\", which this blueprint does not define",
    );
    check_refused(
        &cat.path().join("full"),
        "template/inc.txt.hbs:1: includes the partial",
    );
}
