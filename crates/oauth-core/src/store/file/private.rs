//! Keeping the store's files to their owner: private modes, no symbolic links followed, and
//! a directory no one else can write.

use std::fs::{self, OpenOptions};
use std::path::Path;

#[cfg(unix)]
use base64::Engine;
#[cfg(unix)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
    let mode = meta.mode() & 0o7777;
    if meta.uid() != 0 {
        let me = match effective_uid() {
            Some(me) => Some(me),
            None => probe_uid(dir, mode)?,
        };
        if me != Some(meta.uid()) {
            return insecure(format!(
                "it is owned by uid {}, not by this process's user{} or root: use a \
                 directory of your own",
                meta.uid(),
                me.map(|me| format!(" (uid {me})")).unwrap_or_default()
            ));
        }
    }
    if mode & 0o022 != 0 {
        return insecure(format!(
            "it is writable by its group or by everyone (mode {mode:04o}): \
             `chmod go-w {}` (0700 is best)",
            dir.display()
        ));
    }
    Ok(())
}

/// This process's effective uid as the kernel reports it in `/proc/self/status` (`Uid:` real,
/// effective, saved, filesystem); `None` where there is no such file. (std has no call for it,
/// and one is not worth a dependency or unsafe code.)
#[cfg(unix)]
fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Without `/proc`: the owner of a file this process creates in `dir`, which is its effective
/// user. The probe is a fresh, private, randomly named file, removed at once. `None`: the
/// directory refuses new files though its owner may write (so it is not this user's).
#[cfg(unix)]
fn probe_uid(dir: &Path, mode: u32) -> Result<Option<u32>, StoreError> {
    use std::os::unix::fs::MetadataExt;

    let probe = dir.join(format!(
        ".probe-{}",
        URL_SAFE_NO_PAD.encode(crate::random::bytes::<12>())
    ));
    match private_file(OpenOptions::new().write(true).create_new(true)).open(&probe) {
        Ok(file) => {
            let me = file.metadata().map(|m| m.uid());
            drop(file);
            let _ = fs::remove_file(&probe);
            me.map(Some)
                .map_err(|e| io_error(&probe, "inspect a new file in", &e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && mode & 0o200 != 0 => Ok(None),
        Err(e) => Err(io_error(dir, "create a file in", &e)),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    /// A fresh directory under the system's temporary one, removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "oauth-core-{name}-{}",
            URL_SAFE_NO_PAD.encode(crate::random::bytes::<9>())
        ));
        fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }

    #[test]
    fn both_ways_of_learning_the_user_agree_and_the_probe_leaves_nothing() {
        let dir = scratch("uid");
        let mine = fs::metadata(&dir.0).unwrap().uid();
        assert_eq!(probe_uid(&dir.0, 0o700).unwrap(), Some(mine));
        assert_eq!(
            fs::read_dir(&dir.0).unwrap().count(),
            0,
            "a probe was left behind"
        );
        if cfg!(target_os = "linux") {
            assert_eq!(effective_uid(), Some(mine));
        }
    }
}
