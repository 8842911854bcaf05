//! Which providers exist: one spec in `specs/` and one crate folder in `crates/` each.

use std::path::{Path, PathBuf};

use crate::RegenError;
use crate::wiring::Settings;

/// A provider found in `specs/`, with the crate its client is generated into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The spec's file stem, e.g. `sunshine-conversations`; also the crate folder's name.
    pub name: String,
    /// `specs/<name>.yaml` (or `.json`).
    pub spec: PathBuf,
    /// `crates/<name>/src/generated.rs`, written only by the xtask.
    pub output: PathBuf,
    /// `[package.metadata.regen]` of `crates/<name>/Cargo.toml`.
    pub settings: Settings,
}

impl Provider {
    /// The spec path relative to the workspace root, as written in headers and messages.
    pub fn spec_display(&self, root: &Path) -> String {
        relative(root, &self.spec)
    }

    /// The output path relative to the workspace root.
    pub fn output_display(&self, root: &Path) -> String {
        relative(root, &self.output)
    }
}

/// `path` relative to the workspace root, with `/` separators.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Lists every provider, sorted by name so output order never depends on the file system.
pub fn discover(root: &Path) -> Result<Vec<Provider>, RegenError> {
    let specs_dir = root.join("specs");
    let entries = std::fs::read_dir(&specs_dir).map_err(|source| RegenError::Io {
        path: specs_dir.clone(),
        source,
    })?;
    let mut providers = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| RegenError::Io {
            path: specs_dir.clone(),
            source,
        })?;
        let path = entry.path();
        let is_spec = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !is_spec {
            continue;
        }
        let crate_dir = root.join("crates").join(name);
        if !crate_dir.join("Cargo.toml").is_file() {
            return Err(RegenError::MissingCrate {
                spec: relative(root, &path),
                crate_dir: relative(root, &crate_dir),
            });
        }
        let manifest = crate_dir.join("Cargo.toml");
        providers.push(Provider {
            name: name.to_owned(),
            output: crate_dir.join("src").join("generated.rs"),
            settings: settings(root, &manifest)?,
            spec: path,
        });
    }
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = providers.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(RegenError::DuplicateSpec {
            name: pair[0].name.clone(),
        });
    }
    Ok(providers)
}

/// Keeps only the providers named on the command line; an unknown name is an error.
pub fn select(all: Vec<Provider>, names: &[String]) -> Result<Vec<Provider>, RegenError> {
    if names.is_empty() {
        return Ok(all);
    }
    if let Some(unknown) = names.iter().find(|n| !all.iter().any(|p| &p.name == *n)) {
        return Err(RegenError::UnknownProvider {
            name: unknown.clone(),
            known: all.iter().map(|p| p.name.clone()).collect(),
        });
    }
    Ok(all
        .into_iter()
        .filter(|p| names.contains(&p.name))
        .collect())
}

/// `[package.metadata.regen]` of a provider crate's manifest:
///
/// ```toml
/// [package.metadata.regen]
/// # The builders that get the connection options (`base_url`, `timeout`, ...): each has a
/// # `pub(crate) connection: oauth_core::ClientOptions` field.
/// builders = ["crate::MyClientBuilder"]
/// ```
fn settings(root: &Path, manifest: &Path) -> Result<Settings, RegenError> {
    let text = std::fs::read_to_string(manifest).map_err(|source| RegenError::Io {
        path: manifest.to_path_buf(),
        source,
    })?;
    let problem = |message: String| RegenError::Settings {
        manifest: relative(root, manifest),
        message,
    };
    let value: toml::Table = toml::from_str(&text).map_err(|e| problem(e.to_string()))?;
    let Some(regen) = value
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("regen"))
    else {
        return Ok(Settings::default());
    };
    let mut settings = Settings::default();
    for (key, entry) in regen
        .as_table()
        .ok_or_else(|| problem("is not a table".into()))?
    {
        match key.as_str() {
            "builders" => {
                settings.builders = entry
                    .as_array()
                    .and_then(|list| {
                        list.iter()
                            .map(|b| b.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| problem("`builders` is not a list of strings".into()))?;
            }
            other => return Err(problem(format!("unknown key `{other}` (known: builders)"))),
        }
    }
    Ok(settings)
}
