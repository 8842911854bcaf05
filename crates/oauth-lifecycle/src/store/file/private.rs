//! Keeping the store's files to their owner: private modes, no symbolic links followed inside
//! the store, and a directory (on a resolved path) no one else can change.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use base64::Engine;
#[cfg(unix)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::io_error;
use oauth_core::error::{StoreError, StoreErrorKind};

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

/// Resolves `dir` (symbolic links included) once, and refuses it unless the resolved path is
/// private to this process's user (see [`super::FileStore::new`]); the store then uses the
/// resolved path only, so a link along the way cannot be turned elsewhere later.
#[cfg(unix)]
pub(super) fn resolve_private_dir(dir: &Path) -> Result<PathBuf, StoreError> {
    use std::os::unix::fs::MetadataExt;

    let resolved = fs::canonicalize(dir).map_err(|e| io_error(dir, "resolve the directory", &e))?;
    let insecure = |why: String| {
        StoreError::new(
            StoreErrorKind::Insecure,
            format!(
                "refusing {} as a token store directory: {why}; another user could read, \
                 replace or plant tokens there, so nothing in it was read",
                dir.display()
            ),
        )
    };
    let meta = fs::metadata(&resolved).map_err(|e| io_error(dir, "inspect the directory", &e))?;
    if !meta.is_dir() {
        return Err(insecure("it is not a directory".into()));
    }
    let mode = meta.mode() & 0o7777;
    let me = match effective_uid() {
        Some(me) => Some(me),
        None => probe_uid(&resolved, mode)?,
    };
    if let Some(why) = untrusted(Place::Store, meta.uid(), mode, me) {
        return Err(insecure(why));
    }
    for above in resolved.ancestors().skip(1) {
        let meta = fs::metadata(above).map_err(|e| io_error(above, "inspect", &e))?;
        if let Some(why) = untrusted(Place::Above, meta.uid(), meta.mode() & 0o7777, me) {
            return Err(insecure(format!("{} above it {why}", above.display())));
        }
    }
    Ok(resolved)
}

/// Where a directory is on the store's resolved path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The store directory itself.
    Store,
    /// A directory above it.
    Above,
}

/// Why a directory at `place`, owned by `owner` with `mode`, is not safe for this process's
/// user `me` (`None`: unknown, so only root passes as the owner of a directory above):
///
/// - the store directory must be this user's own (root's counts only for root: another user
///   is another user), and writable by no one else;
/// - a directory above it must be this user's or root's (as `/`, `/var/lib` and `/home`
///   are), and writable by no one else unless it is sticky (`/tmp`: no one can rename or
///   remove another user's entries there), since whoever can rename entries in it can put
///   another directory in the store's place.
fn untrusted(place: Place, owner: u32, mode: u32, me: Option<u32>) -> Option<String> {
    let ours = me == Some(owner);
    match place {
        Place::Store if !ours => Some(format!(
            "it is owned by uid {owner}, not by this process's user{}: use a directory of \
             your own",
            me.map(|me| format!(" (uid {me})")).unwrap_or_default()
        )),
        Place::Above if !ours && owner != 0 => Some(format!(
            "is owned by uid {owner}, neither this process's user{} nor root: keep the store \
             below directories only you or root can change",
            me.map(|me| format!(" (uid {me})")).unwrap_or_default()
        )),
        Place::Store if mode & 0o022 != 0 => Some(format!(
            "it is writable by its group or by everyone (mode {mode:04o}): `chmod go-w` it \
             (0700 is best)"
        )),
        Place::Above if mode & 0o022 != 0 && mode & 0o1000 == 0 => Some(format!(
            "is writable by its group or by everyone without the sticky bit (mode \
             {mode:04o}): `chmod go-w` it"
        )),
        Place::Store | Place::Above => None,
    }
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
        URL_SAFE_NO_PAD.encode(oauth_core::runtime::random::bytes::<12>())
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
            URL_SAFE_NO_PAD.encode(oauth_core::runtime::random::bytes::<9>())
        ));
        fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }

    #[test]
    fn who_may_own_and_write_each_directory() {
        let (me, other) = (Some(1000), 2000);
        // The store directory: ours, writable by us only. Root's is another user's.
        assert_eq!(untrusted(Place::Store, 1000, 0o700, me), None);
        assert_eq!(untrusted(Place::Store, 1000, 0o755, me), None);
        assert!(
            untrusted(Place::Store, 0, 0o700, me)
                .unwrap()
                .contains("uid 0")
        );
        assert!(untrusted(Place::Store, other, 0o700, me).is_some());
        assert!(untrusted(Place::Store, 1000, 0o770, me).is_some());
        assert!(untrusted(Place::Store, 1000, 0o1777, me).is_some());
        assert_eq!(untrusted(Place::Store, 0, 0o700, Some(0)), None);
        assert!(untrusted(Place::Store, 1000, 0o700, None).is_some());
        // Above it: ours or root's, and writable by others only when sticky.
        assert_eq!(untrusted(Place::Above, 0, 0o755, me), None);
        assert_eq!(untrusted(Place::Above, 0, 0o1777, me), None);
        assert_eq!(untrusted(Place::Above, 1000, 0o700, me), None);
        assert_eq!(untrusted(Place::Above, 0, 0o755, None), None);
        assert!(untrusted(Place::Above, other, 0o755, me).is_some());
        assert!(untrusted(Place::Above, 0, 0o777, me).is_some());
        assert!(untrusted(Place::Above, 1000, 0o775, me).is_some());
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
