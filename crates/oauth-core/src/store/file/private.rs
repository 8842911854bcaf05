//! Keeping the store's files to their owner: private modes, no symbolic links followed, and
//! a directory no one else can write.

use std::fs::{self, OpenOptions};
use std::path::Path;

use super::io_error;
use crate::error::{StoreError, StoreErrorKind};

/// Options that create files readable by their owner only (they hold secrets), and never
/// through a symbolic link.
pub(super) fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    no_follow(options)
}

/// Options that fail on a symbolic link at the path instead of opening its target
/// (`O_NOFOLLOW`; the directories leading to it are followed as usual).
pub(super) fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    options
}

/// Why opening `path` failed, saying so plainly when it is a symbolic link (`O_NOFOLLOW`
/// fails with `ELOOP` there, which alone reads as a puzzle).
pub(super) fn open_error(path: &Path, action: &str, e: &std::io::Error) -> StoreError {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return StoreError::new(
            StoreErrorKind::Insecure,
            format!(
                "could not {action} {}: it is a symbolic link, and the store follows none \
                 (it could lead to a file elsewhere); remove it",
                path.display()
            ),
        );
    }
    io_error(path, action, e)
}

/// Refuses a directory that is not private to this process's user (see [`super::FileStore::new`]).
#[cfg(unix)]
pub(super) fn check_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;

    let meta = fs::metadata(dir).map_err(|e| io_error(dir, "inspect the directory", &e))?;
    let insecure = |why: String| {
        Err(StoreError::new(
            StoreErrorKind::Insecure,
            format!(
                "refusing {} as a token store directory: {why}; another user could read, \
                 replace or plant tokens there, so nothing in it was read",
                dir.display()
            ),
        ))
    };
    if !meta.is_dir() {
        return insecure("it is not a directory".into());
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return insecure(format!(
            "it is owned by uid {}, not by this process's user (uid {me}) or root: use a \
             directory of your own",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return insecure(format!(
            "it is writable by its group or by everyone (mode {mode:04o}): \
             `chmod go-w {}` (0700 is best)",
            dir.display()
        ));
    }
    Ok(())
}
