//! `cargo xtask regen`: regenerates each provider crate's `src/generated.rs` (the client, with
//! the wiring that runs it on oauth-core: see [`wiring`]) and `src/generated_mock.rs` (typed
//! `httpmock` mocks, behind the crate's `mock` feature) from `specs/`.
//!
//! The work is a library so that the test suite can regenerate in memory and fail on a stale
//! or hand-edited file, the way rust-analyzer checks its own generated code.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod browser_page;
mod client_impl;
pub mod generate;
mod in_place;
pub mod mock;
pub mod provider;
mod request_scope;
pub mod shape;
pub mod spec;
mod success;
mod urls;
pub mod wiring;

pub use provider::Provider;

/// Whether `regen` writes files or only compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every generated file whose content changed.
    Write,
    /// Write nothing; report the files that differ from what the specs produce.
    Check,
}

/// What a successful `regen` did.
#[derive(Debug)]
pub struct Outcome {
    /// How many provider crates were generated.
    pub crates: usize,
    /// Output files (relative paths) whose content differs from the specs: written in
    /// [`Mode::Write`], only reported in [`Mode::Check`].
    pub changed: Vec<String>,
    /// Wall time of parsing, checking and generating (not of writing).
    pub elapsed: Duration,
}

/// Everything that can stop a regeneration. Each variant names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum RegenError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A spec has no crate folder to generate into.
    #[error("{spec} has no crate at {crate_dir}/Cargo.toml (see README, \"Adding a provider\")")]
    MissingCrate {
        /// The spec path.
        spec: String,
        /// The expected crate folder.
        crate_dir: String,
    },
    /// A provider crate's `[package.metadata.regen]` settings cannot be read.
    #[error("{manifest}: [package.metadata.regen]: {message}")]
    Settings {
        /// The crate's `Cargo.toml`, relative to the workspace root.
        manifest: String,
        /// What is wrong.
        message: String,
    },
    /// Two spec files share a stem (`x.yaml` and `x.json`).
    #[error("specs/ holds two specs named `{name}`; keep one")]
    DuplicateSpec {
        /// The shared stem.
        name: String,
    },
    /// A provider named on the command line has no spec.
    #[error("no spec for provider `{name}`; known providers: {}", known.join(", "))]
    UnknownProvider {
        /// The name given.
        name: String,
        /// The providers found in `specs/`.
        known: Vec<String>,
    },
    /// The file is not valid YAML or JSON.
    #[error("{file}:{line}:{column}: syntax error: {message}")]
    Syntax {
        /// The spec path.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The file parses but is not a valid OpenAPI 3.0 document.
    #[error("{file}: invalid OpenAPI at `{path}`: {message}")]
    Schema {
        /// The spec path.
        file: String,
        /// The field path, e.g. `paths./oauth/token.post.responses`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A shape the generator cannot handle.
    #[error("{file}: {}{message}", operation_prefix(operation))]
    Unsupported {
        /// The spec path.
        file: String,
        /// The operation, when the problem is in one.
        operation: Option<String>,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// The generator itself failed or panicked.
    #[error("{file}: {}{message}", operation_prefix(operation))]
    Generator {
        /// The spec path.
        file: String,
        /// The operation that makes it fail, when one could be isolated.
        operation: Option<String>,
        /// The generator's message.
        message: String,
    },
    /// Several of the above; every one is reported.
    #[error("{}", ManyDisplay(.0))]
    Many(Vec<RegenError>),
}

fn operation_prefix(operation: &Option<String>) -> String {
    operation
        .as_ref()
        .map(|op| format!("operation `{op}`: "))
        .unwrap_or_default()
}

struct ManyDisplay<'a>(&'a [RegenError]);

impl fmt::Display for ManyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The workspace root: the parent of this crate's folder, found at run time.
///
/// `cargo xtask` (`cargo run -p xtask`) and `cargo test` give the process the checkout's own
/// xtask folder in `CARGO_MANIFEST_DIR`. The folder compiled into the binary is only the
/// fallback, for a binary started by hand: with one `CARGO_TARGET_DIR` shared by several
/// checkouts, cargo runs the same binary in all of them, and the compiled folder names the
/// checkout that built it (rust-analyzer's xtask resolves its root the same way).
pub fn workspace_root() -> PathBuf {
    let xtask_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    // A folder without a parent (`/`) has no specs either: `regen` then names what is missing.
    xtask_dir
        .parent()
        .map_or_else(|| xtask_dir.clone(), Path::to_path_buf)
}

/// Generates the file text for one provider, in memory.
pub fn render(root: &Path, provider: &Provider) -> Result<String, RegenError> {
    let display = provider.spec_display(root);
    let text = std::fs::read_to_string(&provider.spec).map_err(|source| RegenError::Io {
        path: provider.spec.clone(),
        source,
    })?;
    let spec = spec::parse(&display, &provider.spec, &text)?;
    let mut problems = shape::check(&spec);
    problems.extend(browser_page::check(&spec));
    if !problems.is_empty() {
        let mut errors: Vec<RegenError> = problems
            .into_iter()
            .map(|p| RegenError::Unsupported {
                file: display.clone(),
                operation: Some(p.operation),
                message: p.message,
            })
            .collect();
        return Err(if errors.len() == 1 {
            errors.remove(0)
        } else {
            RegenError::Many(errors)
        });
    }
    generate::generate(&display, &spec, &provider.settings)
}

/// Generates the text of one provider's `generated_mock.rs`, in memory.
///
/// Call after [`render`] succeeded for the same provider: its checks are not repeated.
pub fn render_mock(root: &Path, provider: &Provider) -> Result<String, RegenError> {
    let display = provider.spec_display(root);
    let text = std::fs::read_to_string(&provider.spec).map_err(|source| RegenError::Io {
        path: provider.spec.clone(),
        source,
    })?;
    mock::generate_mock(&display, &spec::parse(&display, &provider.spec, &text)?)
}

/// Both outputs of one provider, as `(path, text)`: the client, then the mocks.
fn render_all(root: &Path, provider: &Provider) -> Result<Vec<(PathBuf, String)>, RegenError> {
    let client = render(root, provider)?;
    let mocks = render_mock(root, provider)?;
    Ok(vec![
        (provider.output.clone(), client),
        (provider.mock_output(), mocks),
    ])
}

/// Regenerates the named providers (all when `names` is empty).
///
/// Every selected spec is generated before anything is written: when any fails, all errors
/// are returned and no file is touched.
pub fn regen(root: &Path, names: &[String], mode: Mode) -> Result<Outcome, RegenError> {
    let start = Instant::now();
    let providers = provider::select(provider::discover(root)?, names)?;

    let mut rendered = Vec::new();
    let mut errors = Vec::new();
    for p in &providers {
        match render_all(root, p) {
            Ok(files) => rendered.extend(files),
            Err(RegenError::Many(many)) => errors.extend(many),
            Err(e) => errors.push(e),
        }
    }
    let elapsed = start.elapsed();
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            errors.remove(0)
        } else {
            RegenError::Many(errors)
        });
    }

    let mut changed = Vec::new();
    for (path, text) in &rendered {
        let current = std::fs::read_to_string(path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        changed.push(provider::relative(root, path));
        if mode == Mode::Write {
            write_atomically(path, text)?;
        }
    }
    Ok(Outcome {
        crates: providers.len(),
        changed,
        elapsed,
    })
}

/// Writes through a temporary file and a rename so a crash never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), RegenError> {
    let tmp = path.with_extension("rs.tmp");
    let io = |source| RegenError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
