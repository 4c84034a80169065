//! Just enough shell to read `RUN` scripts: lists (`&&`, `||`, `;`, newlines, `&`),
//! pipelines (`|`) and subshells / command substitutions split into their own
//! commands, quotes honoured, comments dropped. It never evaluates anything.

use paved_parse::dockerfile::split_words;

/// One simple command's words, as written.
pub type Command = Vec<String>;

/// The pipelines of a script; each is a list of commands joined by `|`.
pub fn pipelines(script: &str) -> Vec<Vec<Command>> {
    let mut out: Vec<Vec<Command>> = Vec::new();
    let mut pipeline: Vec<Command> = Vec::new();
    let mut seg = String::new();
    let mut quote: Option<char> = None;
    let mut at_word_start = true;
    let mut chars = script.chars().peekable();

    fn flush_cmd(seg: &mut String, pipeline: &mut Vec<Command>) {
        let words = split_words(seg);
        seg.clear();
        if !words.is_empty() {
            pipeline.push(words);
        }
    }
    fn flush_pipeline(seg: &mut String, pipeline: &mut Vec<Command>, out: &mut Vec<Vec<Command>>) {
        flush_cmd(seg, pipeline);
        if !pipeline.is_empty() {
            out.push(std::mem::take(pipeline));
        }
    }

    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            seg.push(c);
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    seg.push(n);
                }
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                seg.push(c);
                at_word_start = false;
            }
            '\\' => match chars.next() {
                Some('\n') | None => seg.push(' '),
                Some(n) => {
                    seg.push('\\');
                    seg.push(n);
                    at_word_start = false;
                }
            },
            '#' if at_word_start => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                flush_pipeline(&mut seg, &mut pipeline, &mut out);
                at_word_start = true;
            }
            '|' => {
                if chars.peek() == Some(&'|') {
                    chars.next();
                    flush_pipeline(&mut seg, &mut pipeline, &mut out);
                } else {
                    flush_cmd(&mut seg, &mut pipeline);
                }
                at_word_start = true;
            }
            '&' | ';' | '\n' | '(' | ')' | '`' | '{' | '}' => {
                if c == '&' && chars.peek() == Some(&'&') {
                    chars.next();
                }
                // `$(`: the substitution is its own command; drop the `$`.
                if c == '(' && seg.ends_with('$') {
                    seg.pop();
                }
                flush_pipeline(&mut seg, &mut pipeline, &mut out);
                at_word_start = true;
            }
            c => {
                at_word_start = c.is_whitespace();
                seg.push(c);
            }
        }
    }
    flush_pipeline(&mut seg, &mut pipeline, &mut out);
    out
}

/// Every command of the script.
pub fn commands(script: &str) -> Vec<Command> {
    pipelines(script).into_iter().flatten().collect()
}

/// The words from the program on: leading `VAR=value` assignments and wrappers
/// (`sudo`, `env`, `exec`, `time`, `nohup`, `command`) removed.
pub fn program(words: &[String]) -> &[String] {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if is_assignment(w) || matches!(w, "env" | "exec" | "time" | "nohup" | "command") {
            i += 1;
        } else if w == "sudo" {
            i += 1;
            while i < words.len() && words[i].starts_with('-') {
                i += 1;
            }
        } else {
            break;
        }
    }
    &words[i..]
}

/// `NAME=value` before a command.
pub fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && !k.starts_with(|c: char| c.is_ascii_digit())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The program's base name (`/usr/bin/pip3` → `pip3`).
pub fn program_name(words: &[String]) -> &str {
    program(words)
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or("")
}

pub fn has_word(words: &[String], w: &str) -> bool {
    words.iter().any(|x| x == w)
}

/// `apt-get install …` / `apt install …` (also `apt-get -y install`).
pub fn is_apt(words: &[String], sub: &str) -> bool {
    let p = program(words);
    matches!(program_name(words), "apt-get" | "apt")
        && p.iter()
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .map(String::as_str)
            == Some(sub)
}

/// A `pip install` in any spelling: `pip`, `pip3`, `python -m pip`, `python3 -m pip`.
pub fn is_pip_install(words: &[String]) -> bool {
    let p = program(words);
    let name = program_name(words);
    let rest: Vec<&str> = if name.starts_with("pip") {
        p.iter().skip(1).map(String::as_str).collect()
    } else if name.starts_with("python") {
        match p.iter().position(|w| w == "-m") {
            Some(i) if p.get(i + 1).is_some_and(|m| m.starts_with("pip")) => {
                p.iter().skip(i + 2).map(String::as_str).collect()
            }
            _ => return false,
        }
    } else {
        return false;
    };
    rest.iter().find(|w| !w.starts_with('-')) == Some(&"install")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn splits_lists_pipes_and_substitutions() {
        let p = pipelines("set -eux; curl -fsSL \"https://x | y\" | sh && echo $(wget -qO- u) # c | bash\nls || true");
        assert_eq!(p.len(), 6);
        assert_eq!(p[1].len(), 2);
        assert_eq!(p[1][0], w(&["curl", "-fsSL", "https://x | y"]));
        assert_eq!(p[1][1], w(&["sh"]));
        assert_eq!(p[2][0], w(&["echo"]));
        assert_eq!(p[3][0], w(&["wget", "-qO-", "u"]));
        assert_eq!(p[4][0], w(&["ls"]));
    }

    #[test]
    fn program_strips_wrappers() {
        let c = w(&[
            "DEBIAN_FRONTEND=noninteractive",
            "sudo",
            "-E",
            "apt-get",
            "-y",
            "install",
            "x",
        ]);
        assert_eq!(program_name(&c), "apt-get");
        assert!(is_apt(&c, "install"));
        assert!(is_pip_install(&w(&[
            "python3", "-m", "pip", "install", "x"
        ])));
        assert!(is_pip_install(&w(&[
            "/usr/bin/pip3",
            "--quiet",
            "install",
            "x"
        ])));
        assert!(!is_pip_install(&w(&["pip", "download", "install"])));
    }
}
