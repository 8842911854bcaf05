//! Writing the CLI's own files (the config, saved secrets): private and atomically replaced.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{CliError, CliResult};

/// Writes `bytes` to `path` through a temporary file in the same directory (mode 0600 on Unix)
/// renamed over it, so a crash leaves the old file or the new one, and no other user can read
/// it at any point. Missing parent directories are created with mode 0700.
pub fn write_private(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io_error("create", dir, &e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("write", path, &e));
    }
    Ok(())
}

/// Removes a file; a missing one is fine. Returns whether it existed.
pub fn remove_if_exists(path: &Path) -> CliResult<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error("remove", path, &e)),
    }
}

/// An I/O error naming the action and the path.
pub fn io_error(action: &str, path: &Path, e: &std::io::Error) -> CliError {
    CliError::Other(format!("could not {action} {}: {e}", path.display()))
}
