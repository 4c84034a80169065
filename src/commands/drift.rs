//! `paved drift`: paths → repositories → audits (in parallel) → one report.
//!
//! Read-only with respect to the audited repositories: the only file written is
//! `--output`, atomically, where the user asked for it.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use paved_parse::files::SourceFile;
use rayon::prelude::*;

use crate::blueprint::Catalog;
use crate::cli::DriftArgs;
use crate::drift::{self, discover, rules, Options, Report};
use crate::guardrails::policy::Policy;
use crate::report::{self, Format, Settings};

/// `PAVED_TODAY=YYYY-MM-DD` fixes "today" (for waiver expiry) in tests and replays.
pub const TODAY_ENV: &str = "PAVED_TODAY";

/// Stack of the pool's threads: the Rust parser's budget, and room for the audit
/// around it and for rendering templates (which ask for 2 MiB left).
const WORKER_STACK_BYTES: usize = crate::guardrails::rules::auth::PARSER_STACK_BYTES + (16 << 20);

pub fn run(args: &DriftArgs, blueprints: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Starting the pool's threads takes half a millisecond, during which
    // `build_global` only waits; the policy and the blueprint catalog load meanwhile,
    // and a single repository's walk starts before the threads are up.
    let pool = start_pool();
    for path in &args.paths {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot audit this path", path.display()))?;
        if !meta.is_dir() {
            bail!(
                "{}: not a directory; pass the root of a repository (or, with --recursive, a directory holding repositories)",
                path.display()
            );
        }
    }
    let mut policy = Policy::load(
        args.policy.guardrails.as_deref(),
        &args.policy.profile,
        rules::catalog().map(|r| &r.meta),
    )?;
    if args.forbid_inline_waivers {
        policy.forbid_inline_waivers("--forbid-inline-waivers");
    }
    let catalog = Catalog::open(blueprints)?;
    let today = today()?;
    if let Some(out) = &args.output {
        check_output(out)?;
    }
    // Before the first use of rayon: nothing above uses it (the test
    // `the_pool_is_the_configured_one` runs this in a fresh process and looks).
    pool.join();
    let opts = Options {
        policy: &policy,
        catalog: &catalog,
        today,
    };
    let repos = match &args.manifests {
        Some(src) => {
            let (display, files, parts) = load_manifests(src)?;
            let mut repo = drift::audit_manifests(files, display, &opts);
            parts.restore(&mut repo);
            vec![repo]
        }
        None => audit_repositories(args, &opts),
    };
    let report = Report {
        profile: policy.profile.clone(),
        repos,
    };
    finish(args, &report)
}

/// The global pool being built on a thread of its own. [`PoolStart::join`] must come
/// before anything uses rayon: the first use would otherwise build rayon's default
/// pool, whose 2 MiB stacks cost a fresh mapped stack per parsed Rust file and per
/// rendered template.
struct PoolStart(std::sync::mpsc::Receiver<()>);

/// Rust sources are parsed and templates rendered on the pool's threads. With stacks
/// that deep they run in place: on rayon's default 2 MiB stacks `stacker` mapped a
/// fresh 64 MiB stack for every parsed file and a 16 MiB one per render, each with
/// first-touch page faults and an `munmap` (a TLB shoot-down) after it. The stack is
/// address space; only the pages used are ever touched.
fn start_pool() -> PoolStart {
    let (registered, signal) = std::sync::mpsc::sync_channel(1);
    let build = move || {
        let mut registered = Some(registered);
        rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .spawn_handler(move |thread| {
                // rayon asks for the first thread inside its one-time initialisation of
                // the global pool (a `Once`): from here on, any use of rayon waits for
                // this pool instead of building the default one.
                if let Some(tx) = registered.take() {
                    let _ = tx.send(());
                }
                // What rayon's default spawn does.
                let mut b = std::thread::Builder::new();
                if let Some(name) = thread.name() {
                    b = b.name(name.to_owned());
                }
                if let Some(size) = thread.stack_size() {
                    b = b.stack_size(size);
                }
                b.spawn(|| thread.run())?;
                Ok(())
            })
            .build_global()
    };
    // A thread that cannot start (resource limits) leaves the build to this one.
    let started = std::thread::Builder::new()
        .name("paved-pool-start".into())
        .stack_size(256 << 10)
        .spawn(build.clone());
    if started.is_err() {
        let _ = build();
    }
    PoolStart(signal)
}

impl PoolStart {
    /// Waits until the global pool is registered, not until its threads run: jobs
    /// queued before then wait for the first of them, while the caller goes on (the
    /// walk needs no pool). rayon's `build_global` would wait for every thread to
    /// start, a few hundred microseconds on this machine's two cores. When the pool
    /// existed already (tests that run several audits) the sender is dropped unused
    /// and this returns at once.
    fn join(self) {
        let _ = self.0.recv();
    }
}

fn audit_repositories(args: &DriftArgs, opts: &Options<'_>) -> Vec<drift::RepoReport> {
    // (root, display, nested repositories to skip)
    let mut targets: Vec<(PathBuf, String, Vec<PathBuf>)> = Vec::new();
    for path in &args.paths {
        if args.recursive {
            let found = discover::repositories(path);
            if found.is_empty() {
                eprintln!(
                    "warning: {}: no repositories (directories with .git or .paved) found below it",
                    path.display()
                );
            }
            for repo in &found {
                let nested = discover::nested_in(repo, &found);
                targets.push((repo.clone(), display(repo), nested));
            }
        } else {
            targets.push((path.clone(), display(path), Vec::new()));
        }
    }
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    targets.dedup_by(|a, b| a.0 == b.0);

    if let [(root, display, nested)] = targets.as_slice() {
        return vec![drift::audit_alone(root, display.clone(), nested, opts)];
    }
    let progress = super::progress_bar(targets.len(), "auditing");
    let repos = targets
        .par_iter()
        .map(|(root, display, nested)| {
            let r = drift::audit(root, display.clone(), nested, opts);
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            r
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    repos
}

/// Renders the report where it was asked for and decides the exit code.
fn finish(args: &DriftArgs, report: &Report) -> anyhow::Result<ExitCode> {
    // A terminal without NO_COLOR (or CLICOLOR_FORCE), as anstream decides for clap.
    let color = args.format == Format::Human
        && args.output.is_none()
        && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    let settings = Settings {
        fail_on: args.fail_on,
        color,
    };
    let text = report::render(report, args.format, &settings);
    match &args.output {
        Some(path) => {
            write_atomically(path, text.as_bytes())?;
            eprintln!("{} → {}", report::summary_line(report), path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush());
        }
    }
    if args.format != Format::Human {
        print_warnings(report);
    }
    Ok(if report.fails(args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The largest rendered stream read from standard input: the YAML parser's limit.
const MAX_MANIFEST_BYTES: u64 = paved_parse::yaml::MAX_FILE_BYTES;

/// Reads `--manifests PATH|-` and checks that it is what `helm template` or `kustomize
/// build` prints: YAML that parses, with at least one Kubernetes object. Anything else
/// is refused here (exit code 2) rather than audited as an empty, "clean" repository.
fn load_manifests(src: &Path) -> anyhow::Result<(String, Vec<SourceFile>, StdinParts)> {
    let mut parts = StdinParts::default();
    let (display, files) = if src == Path::new("-") {
        let (files, cut) = read_stdin()?;
        parts = cut;
        (StdinParts::FILE.to_string(), files)
    } else {
        let meta = std::fs::metadata(src)
            .with_context(|| format!("--manifests {}: cannot read this path", src.display()))?;
        if meta.is_file() {
            let name = src
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| src.to_path_buf());
            (
                display(src),
                vec![read_manifest_file(src, name, meta.len())?],
            )
        } else {
            (display(src), read_manifest_dir(src)?)
        }
    };
    let mut objects = 0;
    for file in &files {
        let text = file.text.as_deref().unwrap_or_default();
        let docs = paved_parse::yaml::parse(text).map_err(|e| {
            let counted = match parts.parts.iter().find(|(n, _)| file.path == Path::new(n)) {
                Some((_, before)) if *before > 0 => {
                    format!(" (its lines counted from line {} of standard input)", before + 1)
                }
                _ => String::new(),
            };
            anyhow!(
                "--manifests {}: {}: not YAML ({e}){counted}; pass rendered manifests (the output of `helm template` or `kustomize build`), not templates",
                src.display(),
                file.path.display()
            )
        })?;
        objects += docs
            .iter()
            .filter(|d| d.str_at("apiVersion").is_some() && d.str_at("kind").is_some())
            .count();
    }
    if objects == 0 {
        bail!(
            "--manifests {}: no Kubernetes object (a document with apiVersion and kind) found; pass the output of `helm template` or `kustomize build`",
            src.display()
        );
    }
    Ok((display, files, parts))
}

/// The most `--manifests -` reads from standard input: far above what `helm template`
/// prints for large charts with their CRDs (a few MiB), and bounded so a runaway pipe
/// cannot exhaust memory.
const MAX_STDIN_BYTES: u64 = 64 * 1024 * 1024;

/// Standard input, cut at document markers (`---` at the start of a line) into parts of
/// at most [`MAX_MANIFEST_BYTES`], the YAML parser's bound for one file. Each part is
/// audited as a file; [`StdinParts::restore`] moves findings in later parts back to
/// `(stdin)` and the stream's own line numbers.
#[derive(Debug, Default)]
struct StdinParts {
    /// Each part's file name and the number of stream lines before it.
    parts: Vec<(String, u32)>,
}

impl StdinParts {
    const FILE: &'static str = "(stdin)";

    fn name(lines_before: u32) -> String {
        if lines_before == 0 {
            Self::FILE.to_string()
        } else {
            format!("{} from line {}", Self::FILE, lines_before + 1)
        }
    }

    /// Findings and warnings of the parts, as positions in the stream.
    fn restore(&self, repo: &mut drift::RepoReport) {
        for f in &mut repo.findings {
            if let Some((_, before)) = self.parts.iter().find(|(name, _)| *name == f.file) {
                f.file = Self::FILE.to_string();
                f.line = f.line.map(|l| l + before);
            }
        }
        for w in &mut repo.warnings {
            if self.parts.iter().any(|(name, _)| w.file == Path::new(name)) {
                w.file = PathBuf::from(Self::FILE);
            }
        }
    }
}

/// Cuts the stream into [`StdinParts`] a line at a time.
#[derive(Default)]
struct Cutter {
    /// Lines read so far.
    lines: u32,
    doc: Vec<u8>,
    doc_start: u32,
    part: Vec<u8>,
    part_start: u32,
    done: Vec<(Vec<u8>, u32)>,
}

impl Cutter {
    fn line(&mut self, line: &[u8]) -> anyhow::Result<()> {
        let marker = line
            .strip_prefix(b"---")
            .is_some_and(|rest| rest.is_empty() || matches!(rest[0], b' ' | b'\t' | b'\r' | b'\n'));
        if marker {
            self.end_document()?;
        }
        self.doc.extend_from_slice(line);
        self.lines += 1;
        Ok(())
    }

    fn end_document(&mut self) -> anyhow::Result<()> {
        if self.doc.len() as u64 > MAX_MANIFEST_BYTES {
            bail!(
                "--manifests -: the YAML document at line {} of standard input is larger than 1 MiB, the most paved parses as one file; leave it out of the stream or split it",
                self.doc_start + 1
            );
        }
        if !self.part.is_empty() && (self.part.len() + self.doc.len()) as u64 > MAX_MANIFEST_BYTES {
            self.done
                .push((std::mem::take(&mut self.part), self.part_start));
            self.part_start = self.doc_start;
        }
        self.part.append(&mut self.doc);
        self.doc_start = self.lines;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<(Vec<SourceFile>, StdinParts)> {
        self.end_document()?;
        if !self.part.is_empty() || self.done.is_empty() {
            self.done
                .push((std::mem::take(&mut self.part), self.part_start));
        }
        let mut files = Vec::new();
        let mut parts = StdinParts::default();
        for (bytes, before) in self.done {
            let name = StdinParts::name(before);
            let size = bytes.len() as u64;
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow!("--manifests -: standard input is not UTF-8 text"))?;
            files.push(SourceFile {
                path: PathBuf::from(&name),
                size,
                executable: false,
                text: Some(text),
            });
            parts.parts.push((name, before));
        }
        Ok((files, parts))
    }
}

fn read_stdin() -> anyhow::Result<(Vec<SourceFile>, StdinParts)> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!("--manifests -: standard input is a terminal; pipe rendered manifests into it, e.g. `helm template CHART | paved drift --manifests -`");
    }
    let mut reader = stdin.lock().take(MAX_STDIN_BYTES + 1);
    let mut cutter = Cutter::default();
    let mut line = Vec::new();
    let mut total = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .context("--manifests -: cannot read standard input")?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_STDIN_BYTES {
            bail!("--manifests -: more than 64 MiB on standard input, the most paved reads from a pipe; write the manifests to a directory (`helm template CHART --output-dir DIR`, `kustomize build DIR -o OUT/`) and pass `--manifests DIR`");
        }
        cutter.line(&line)?;
    }
    cutter.finish()
}

fn read_manifest_file(path: &Path, name: PathBuf, size: u64) -> anyhow::Result<SourceFile> {
    if size > MAX_MANIFEST_BYTES {
        bail!(
            "--manifests {}: larger than 1 MiB; split it (`helm template CHART --output-dir DIR` writes one file per template)",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "--manifests {}: cannot read it as UTF-8 text",
            path.display()
        )
    })?;
    Ok(SourceFile {
        path: name,
        size,
        executable: false,
        text: Some(text),
    })
}

/// Every `.yaml`/`.yml` file below `dir`, read by the repository walker (no links
/// followed, nothing but regular files).
fn read_manifest_dir(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let walked = drift::walk::walk(dir, &[]);
    let is_yaml = |f: &SourceFile| {
        let p = f.path_str().to_ascii_lowercase();
        p.ends_with(".yaml") || p.ends_with(".yml")
    };
    let files: Vec<SourceFile> = walked.files.into_iter().filter(is_yaml).collect();
    if let Some(unread) = files.iter().find(|f| f.text.is_none()) {
        bail!(
            "--manifests {}: {} is larger than 1 MiB or not UTF-8 text; split or fix it",
            dir.display(),
            unread.path.display()
        );
    }
    if files.is_empty() {
        bail!(
            "--manifests {}: no .yaml or .yml file below it; pass the directory `helm template CHART --output-dir DIR` wrote",
            dir.display()
        );
    }
    Ok(files)
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

fn today() -> anyhow::Result<jiff::civil::Date> {
    match std::env::var(TODAY_ENV) {
        Ok(value) => value
            .parse()
            .ok()
            .filter(|_| value.len() == 10)
            .with_context(|| format!("{TODAY_ENV}={value:?} is not a date of the form YYYY-MM-DD")),
        Err(_) => Ok(jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// Refuses an `--output` that is a directory or sits in a missing directory, before
/// spending time on the audit.
fn check_output(path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("--output {}: is a directory; name a file", path.display());
    }
    let parent = parent_dir(path);
    if !parent.is_dir() {
        bail!(
            "--output {}: the directory {} does not exist",
            path.display(),
            parent.display()
        );
    }
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes beside the target and renames, so readers never see half a report. The
/// file is not flushed to the disk before the rename (no `fsync`, as `paved new`
/// writes its files): a report is derived from the repositories, so after a power
/// loss the remedy is to run the audit again, and the flush cost about a millisecond
/// of a ten-millisecond audit. An existing target that is not a regular file
/// (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it would
/// replace the device node with a regular file, which, run as root, breaks
/// `/dev/null` for the whole machine.
///
/// An existing report is replaced by exchanging it with the new file (see
/// [`exchange`]) and removing the old one from the temporary name, rather than by
/// renaming over it: ext4 (`auto_da_alloc`, the default) writes the new file's data
/// out before a rename that replaces a file, about 100 µs here and several hundred
/// with the pool's threads busy, at the very end of every audit. The exchange is just
/// as atomic (a reader opens the old report or the new one, never a mix) and gives up
/// only that implicit flush: after a crash the report may be empty or old, which a
/// rerun repairs, as with any file paved writes without `fsync`.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let mut target = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| {
                    format!("--output {}: cannot open it for writing", path.display())
                })?;
            target
                .write_all(bytes)
                .with_context(|| format!("--output {}: cannot write", path.display()))?;
            return Ok(());
        }
    }
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".paved-report-")
        .tempfile_in(&dir)
        .with_context(|| {
            format!(
                "--output {}: cannot create a file in {}",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .with_context(|| format!("--output {}: cannot write", path.display()))?;
    // With no report there yet the exchange fails (ENOENT); on any failure it
    // changed nothing, and the rename does what it always did, with its errors.
    if exchange(tmp.path(), path).is_ok() {
        // The temporary name now holds the old report; dropping `tmp` removes it.
        // Should that fail, a stale `.paved-report-*` is left, never a wrong report.
        drop(tmp);
        return Ok(());
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("--output {}: cannot replace the file", path.display()))?;
    Ok(())
}

/// Swaps the directory entries `a` and `b` in one step (`renameat2` with
/// `RENAME_EXCHANGE`, Linux 3.15+; ext4, xfs, btrfs, tmpfs…). An error (not
/// supported by the kernel or the file system, `b` missing, different file systems)
/// leaves both as they were.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two NUL-terminated paths that outlive the call; the flags are plain
    // integers. A raw syscall rather than glibc's wrapper (2.28+) so that older C
    // libraries link too; ENOSYS from an older kernel is an error like any other.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere the report is renamed over the old one, as before.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Machine-readable formats carry warnings in the document; a short note on stderr
/// keeps them visible in CI logs.
fn print_warnings(report: &Report) {
    const SHOWN: usize = 20;
    let all: Vec<String> = report
        .repos
        .iter()
        .flat_map(|r| {
            r.warnings.iter().map(move |w| {
                let file = w.file.to_string_lossy();
                let sep = if file.is_empty() { "" } else { "/" };
                format!("{}{sep}{file}: {}", r.path, w.message)
            })
        })
        .collect();
    let mut stderr = std::io::stderr().lock();
    for line in all.iter().take(SHOWN) {
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect();
        let _ = writeln!(stderr, "warning: {clean}");
    }
    if all.len() > SHOWN {
        let _ = writeln!(
            stderr,
            "warning: … and {} more (see the report)",
            all.len() - SHOWN
        );
    }
}

#[cfg(test)]
mod tests {
    // Devices, FIFOs, modes and inodes: the tests of the report's writing are
    // about Unix files.
    use super::*;
    use clap::Parser as _;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[cfg(unix)]
    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".paved-report-"))
            .collect()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    /// Set in the fresh process `the_pool_is_the_configured_one` starts.
    const POOL_CHILD: &str = "PAVED_TEST_POOL_CHILD";

    /// The stack size of the calling thread, as the C library set it up.
    #[cfg(target_os = "linux")]
    fn own_stack_bytes() -> usize {
        // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is read and
        // destroyed after.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
            let mut size = 0;
            assert_eq!(libc::pthread_attr_getstacksize(&attr, &mut size), 0);
            libc::pthread_attr_destroy(&mut attr);
            size
        }
    }

    /// The pool is built on another thread while `run` loads the policy and the
    /// catalog: nothing may use rayon before it is there, or rayon's default pool
    /// (2 MiB stacks) would be the one every audit runs on. Other tests in this
    /// process use rayon, so a fresh process runs `run` and looks at the pool.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_pool_is_the_configured_one() {
        if std::env::var_os(POOL_CHILD).is_some() {
            return pool_child();
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "commands::drift::tests::the_pool_is_the_configured_one",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(POOL_CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed") && stdout.contains("pool checked"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[cfg(target_os = "linux")]
    fn pool_child() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("src")).unwrap();
        std::fs::write(repo.join("Dockerfile"), "FROM debian:12\nUSER 1000\n").unwrap();
        std::fs::write(repo.join("src/main.rs"), "fn main() {}\n").unwrap();
        let report = dir.path().join("report.json");
        let cli = crate::cli::Cli::try_parse_from([
            "paved".as_ref(),
            "drift".as_ref(),
            repo.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            "--output".as_ref(),
            report.as_os_str(),
        ])
        .unwrap();
        crate::commands::run(cli).unwrap();
        assert!(!std::fs::read(&report).unwrap().is_empty());
        let stacks = rayon::broadcast(|_| own_stack_bytes());
        assert_eq!(stacks.len(), rayon::current_num_threads());
        for size in stacks {
            assert!(
                size >= WORKER_STACK_BYTES,
                "a worker has {size} bytes of stack"
            );
        }
        println!("pool checked");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_report_is_created_and_an_old_one_replaced_with_the_same_mode() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        write_atomically(&report, b"first").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"first");
        let created = mode(&report);
        let first_inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&report).unwrap());

        write_atomically(&report, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"second, longer");
        assert_eq!(mode(&report), created);
        // A new file took the name: a reader holding the old one keeps reading it whole.
        let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&report).unwrap());
        assert_ne!(inode, first_inode);
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_reader_of_the_old_report_keeps_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.sarif");
        write_atomically(&report, b"old report").unwrap();
        let mut open = std::fs::File::open(&report).unwrap();
        write_atomically(&report, b"new").unwrap();
        let mut seen = String::new();
        open.read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "old report");
        assert_eq!(std::fs::read(&report).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_replaced_by_the_report_as_a_rename_would() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "kept").unwrap();
        let report = dir.path().join("report");
        std::os::unix::fs::symlink(&elsewhere, &report).unwrap();
        write_atomically(&report, b"report").unwrap();
        assert!(std::fs::symlink_metadata(&report).unwrap().is_file());
        assert_eq!(std::fs::read(&report).unwrap(), b"report");
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"kept");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn exchange_swaps_two_files_and_changes_nothing_when_one_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "A").unwrap();
        assert!(exchange(&a, &b).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"A");
        assert!(!b.exists());
        std::fs::write(&b, "B").unwrap();
        // tmpfs, ext4, xfs and btrfs support the exchange; elsewhere only the
        // fallback is tested.
        if exchange(&a, &b).is_ok() {
            assert_eq!(std::fs::read(&a).unwrap(), b"B");
            assert_eq!(std::fs::read(&b).unwrap(), b"A");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_directory_is_the_error_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        std::fs::write(&report, "old").unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let result = write_atomically(&report, b"new");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        // Root writes anyway; then the report must simply be the new one.
        match result {
            Err(e) => {
                assert!(
                    format!("{e:#}").starts_with(&format!(
                        "--output {}: cannot create a file in {}",
                        report.display(),
                        dir.path().display()
                    )),
                    "{e:#}"
                );
                assert_eq!(std::fs::read(&report).unwrap(), b"old");
            }
            Ok(()) => assert_eq!(std::fs::read(&report).unwrap(), b"new"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_fifo_is_written_in_place() {
        let null = Path::new("/dev/null");
        let before = std::fs::metadata(null).unwrap();
        write_atomically(null, b"discarded").unwrap();
        let after = std::fs::metadata(null).unwrap();
        assert_eq!(
            std::os::unix::fs::MetadataExt::rdev(&before),
            std::os::unix::fs::MetadataExt::rdev(&after)
        );
        assert!(!after.is_file());

        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomically(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(!std::fs::symlink_metadata(&fifo).unwrap().is_file());
        assert!(leftovers(dir.path()).is_empty());
    }
}
