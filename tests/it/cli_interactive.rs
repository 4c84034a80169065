//! Drives `paved new` through a pseudo-terminal, as a person at a keyboard would:
//! accept defaults, move through select lists, toggle a confirm, get an invalid
//! answer rejected at the prompt and corrected.

use std::fs;
use std::process::Command;

use crate::common::*;

const ENTER: &str = "\r";
const UP: &str = "\x1b[A";
const BACKSPACE: &str = "\x7f";

fn press(p: &mut rexpect::session::PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// Waits for `text`, then lets the prompt finish drawing and switch the terminal to
/// raw mode: keys sent earlier would be read in cooked mode and mistranslated.
fn expect(p: &mut rexpect::session::PtySession, text: &str) {
    p.exp_string(text)
        .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"));
    std::thread::sleep(std::time::Duration::from_millis(150));
}

#[test]
fn prompts_for_every_variable_in_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shop");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("paved"));
    cmd.env_remove("PAVED_BLUEPRINTS")
        .env("TERM", "xterm")
        .arg("--blueprints")
        .arg(fixture_blueprints())
        .args(["new", "shop", "--output"])
        .arg(&out);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn paved in a pty");

    expect(&mut p, "Description");
    press(&mut p, ENTER); // accept "The Shop service"
    expect(&mut p, "Owning team");
    press(&mut p, ENTER); // accept "@acme/shop"
    expect(&mut p, "Exposure");
    press(&mut p, UP); // internal -> internet
    press(&mut p, ENTER);
    expect(&mut p, "Replicas"); // only asked because exposure is internet
    press(&mut p, "11");
    press(&mut p, ENTER);
    expect(&mut p, "greater than the maximum 10");
    press(&mut p, BACKSPACE);
    press(&mut p, BACKSPACE);
    press(&mut p, "3");
    press(&mut p, ENTER);
    expect(&mut p, "Use a database?");
    press(&mut p, "y");
    press(&mut p, ENTER);
    expect(&mut p, "Database name");
    press(&mut p, "9x");
    press(&mut p, ENTER);
    expect(&mut p, "does not match the pattern");
    press(&mut p, BACKSPACE);
    press(&mut p, BACKSPACE);
    press(&mut p, "orders");
    press(&mut p, ENTER);
    expect(&mut p, "Infrastructure as code");
    press(&mut p, ENTER); // keep both selected
    expect(&mut p, "Created shop from full 1.2.3");
    p.exp_eof().unwrap();

    let answers = fs::read_to_string(out.join(".paved/answers.toml")).unwrap();
    for line in [
        "description = \"The Shop service\"",
        "owner = \"@acme/shop\"",
        "exposure = \"internet\"",
        "replicas = 3",
        "use_db = true",
        "db_name = \"orders\"",
        "iac = [\"kubernetes\", \"terraform\"]",
    ] {
        assert!(answers.contains(line), "{line:?} missing from:\n{answers}");
    }
    assert!(out.join("db/schema.sql").is_file());
}

#[test]
fn no_input_never_prompts_even_in_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("paved"));
    cmd.env_remove("PAVED_BLUEPRINTS")
        .arg("--blueprints")
        .arg(fixture_blueprints())
        .args(["new", "quiet", "--no-input", "--output"])
        .arg(tmp.path().join("quiet"));
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    expect(&mut p, "Created quiet");
    p.exp_eof().unwrap();
}

/// `paved update` in a terminal asks only for what the new version adds without a
/// default (the `mini` fixture's 2.0.0 adds `region`); recorded answers are not asked again.
#[test]
fn update_asks_only_for_new_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("demo");
    let versioned = fixtures().join("versioned");
    let out = paved()
        .arg("--blueprints")
        .arg(&versioned)
        .args([
            "new",
            "demo",
            "--blueprint",
            "mini@1.1.0",
            "--no-input",
            "--output",
        ])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));

    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("paved"));
    cmd.env_remove("PAVED_BLUEPRINTS")
        .env("TERM", "xterm")
        .arg("--blueprints")
        .arg(&versioned)
        .arg("update")
        .arg(&repo);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn paved in a pty");
    expect(&mut p, "Deployment region");
    press(&mut p, "eu-west");
    press(&mut p, ENTER);
    p.exp_string("new answer region = \"eu-west\"").unwrap();
    p.exp_eof().unwrap();
    let answers = fs::read_to_string(repo.join(".paved/answers.toml")).unwrap();
    assert!(answers.contains("region = \"eu-west\""), "{answers}");
    assert!(answers.contains("version = \"2.0.0\""), "{answers}");
}
