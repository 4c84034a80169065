//! Stable-toolchain fuzz driver: the cargo-fuzz harnesses of `fuzz/` fed with seeds
//! mutated by a small deterministic PRNG, a fixed number of inputs per target
//! (`PAVED_FUZZ_INPUTS`, default 1000; a soak run sets e.g. 1000000), so every run
//! of the suite tries the same inputs and a failure reproduces. A panic fails the test
//! and prints the input (hex) to reproduce with `paved::fuzzing::repo_model`.

use std::time::Instant;

use paved::fuzzing::{self, join, SEEDS};

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

const DICTIONARY: &[&str] = &[
    "\n",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "&a ",
    "*a",
    "<<: *a",
    "${{ ",
    " }}",
    "---\n",
    "\t",
    "\\",
    "\u{0}",
    "\u{feff}",
    "é",
    "=",
    "#",
    "uses: ",
    "run: ",
    "FROM ",
    "USER ",
    "RUN ",
    "resource \"",
    "0.0.0.0/0",
    "\"*\"",
    "privileged: true",
    "expires = ",
    "[[waiver]]\n",
    "\r\n",
    "!!binary ",
    "? ",
    "|\n",
    ">-\n",
    "  ",
    "@sha256:",
    ":latest",
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
            2 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                input.splice(at..at, word.iter().copied());
            }
            3 if !input.is_empty() => {
                // Duplicate a slice: deep nesting, repeated keys, long lines.
                let start = rng.below(input.len());
                let end = (start + rng.below(64)).min(input.len());
                let chunk: Vec<u8> = input[start..end].repeat(1 + rng.below(8));
                input.splice(at..at, chunk);
            }
            _ => input.insert(at, rng.next() as u8),
        }
    }
    input.truncate(256 * 1024);
}

/// Inputs per target.
fn inputs() -> u64 {
    std::env::var("PAVED_FUZZ_INPUTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn drive(name: &str, seed: u64, run: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let mut rng = Rng(seed);
    let start = Instant::now();
    let mut iterations = 0u64;
    let seeds: Vec<Vec<u8>> = SEEDS
        .iter()
        .map(|(n, text)| join(&[(*n, text.as_bytes())]))
        .collect();
    while iterations < inputs() {
        // Several seed files per input, each mutated.
        let mut input = Vec::new();
        for _ in 0..=rng.below(4) {
            let mut one = seeds[rng.below(seeds.len())].clone();
            mutate(&mut rng, &mut one);
            input.extend(one);
        }
        if rng.below(10) == 0 {
            input = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
        }
        if std::panic::catch_unwind(|| run(&input)).is_err() {
            panic!("{name}: panicked on input (hex) {}", hex(&input));
        }
        iterations += 1;
    }
    eprintln!(
        "{name}: {iterations} inputs in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    assert!(iterations > 0);
}

#[test]
fn fuzz_repo_model() {
    drive("repo_model", 0x5eed_1234_abcd_0001, |data| {
        fuzzing::repo_model(data);
    });
}

#[test]
fn fuzz_policy() {
    let profiles: Vec<Vec<u8>> = ["baseline", "strict"]
        .iter()
        .map(|p| {
            std::fs::read(format!(
                "{}/guardrails/{p}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        })
        .collect();
    let mut rng = Rng(0x5eed_0000_0000_0002);
    let start = Instant::now();
    let mut n = 0u64;
    while n < inputs() {
        let mut input = profiles[rng.below(profiles.len())].clone();
        mutate(&mut rng, &mut input);
        if std::panic::catch_unwind(|| fuzzing::policy(&input)).is_err() {
            panic!("policy: panicked on input (hex) {}", hex(&input));
        }
        n += 1;
    }
    eprintln!(
        "policy: {n} inputs in {:.1}s",
        start.elapsed().as_secs_f64()
    );
}
