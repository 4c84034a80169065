//! Stable-toolchain driver for the blueprint fuzz harness
//! (`paved::blueprint::fuzzing::blueprint`, also the cargo-fuzz target
//! `fuzz/fuzz_targets/blueprint.rs`): seed blueprints mutated by a deterministic
//! PRNG, a fixed number of inputs (`PAVED_FUZZ_INPUTS`, default 1000), so every run
//! tries the same inputs and a failure reproduces. A panic fails the test and prints
//! the input (hex). A stack overflow would abort the whole test binary.

use paved::blueprint::fuzzing::{self, join, SEEDS};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces of Handlebars syntax, so mutations reach the parser's corners.
const DICTIONARY: &[&str] = &[
    "{{",
    "}}",
    "{{#if flag}}",
    "{{/if}}",
    "{{else}}",
    "{{else if flag}}",
    "{{^}}",
    "{{#each tags}}",
    "{{#each @root.tags}}",
    "{{/each}}",
    "{{#with mode}}",
    "{{/with}}",
    "{{#unless flag}}",
    "{{/unless}}",
    "{{> p}}",
    "{{> q}}",
    "{{> template/a.txt.hbs}}",
    "{{> template/b.txt.hbs}}",
    "{{#*inline \"p\"}}",
    "{{#*inline \"r\"}}",
    "{{/inline}}",
    "{{> r}}",
    "{{#> p}}",
    "{{/p}}",
    "{{> @partial-block}}",
    "{{{{raw}}}}",
    "{{{{/raw}}}}",
    "{{!--",
    "--}}",
    "{{!",
    "\\{{",
    "\\\\",
    "(",
    ")",
    "(not ",
    "(eq mode \"x\")",
    "[",
    "]",
    "[1,2,3]",
    "{\"k\": 1}",
    "\"",
    "'",
    "~",
    "{{~",
    "~}}",
    "{{{",
    "}}}",
    "@index",
    "@root",
    "../",
    "this",
    "name",
    "label",
    "count",
    "nope",
    " as |x|",
    "{{x}}",
    "{{lookup this \"mode\"}}",
    "{{upper name}}",
    "\n",
    "\u{0}",
    "é",
];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..=rng.below(8) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next() as u8;
            }
            1 if !input.is_empty() => {
                let end = (at + rng.below(16)).min(input.len());
                input.drain(at.min(end)..end);
            }
            2 | 3 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                input.splice(at..at, word.iter().copied());
            }
            4 if !input.is_empty() => {
                // Repeat a slice: deep nesting, long chains, many partials.
                let start = rng.below(input.len());
                let end = (start + rng.below(64)).min(input.len());
                let chunk: Vec<u8> = input[start..end].repeat(1 + rng.below(64));
                input.splice(at..at, chunk);
            }
            _ => input.insert(at, rng.next() as u8),
        }
    }
    input.truncate(256 * 1024);
}

fn inputs() -> u64 {
    std::env::var("PAVED_FUZZ_INPUTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn fuzz_blueprint_loading_and_rendering() {
    let mut rng = Rng(0x5eed_0b1e_0000_0007);
    let started = std::time::Instant::now();
    let n = inputs();
    for _ in 0..n {
        // A seed's pieces, each mutated (the manifest piece too, when there is one).
        let seed = SEEDS[rng.below(SEEDS.len())];
        let mut pieces: Vec<(usize, Vec<u8>)> = seed
            .iter()
            .map(|(path, text)| (*path, text.as_bytes().to_vec()))
            .collect();
        for _ in 0..=rng.below(2) {
            let i = rng.below(pieces.len());
            mutate(&mut rng, &mut pieces[i].1);
        }
        if rng.below(8) == 0 {
            // Another piece, at any path.
            let mut extra = SEEDS[rng.below(SEEDS.len())][0].1.as_bytes().to_vec();
            mutate(&mut rng, &mut extra);
            pieces.push((1 + rng.below(fuzzing::PATHS.len() - 1), extra));
        }
        let borrowed: Vec<(usize, &[u8])> = pieces.iter().map(|(p, b)| (*p, &b[..])).collect();
        let mut input = join(&borrowed);
        if rng.below(16) == 0 {
            input = (0..rng.below(2048)).map(|_| rng.next() as u8).collect();
        }
        if std::panic::catch_unwind(|| fuzzing::blueprint(&input)).is_err() {
            panic!("blueprint: panicked on input (hex) {}", hex(&input));
        }
    }
    eprintln!(
        "blueprint: {n} inputs in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
