//! What the tests that run cargo in a copy of the workspace share: the target directory they
//! were built in, and cargo run as a shell would run it, with a bound on how long it takes.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The target directory this test was built in: `<target>/debug/deps/<test binary>`.
pub fn own_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// What one cargo run did.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cargo ARGS` in `dir` as a shell would (none of the variables cargo sets for this
/// test), with `CARGO_TARGET_DIR` and `env` set; its output goes through files in `dir`.
/// Panics, with its standard error, when it takes over `timeout`.
pub fn cargo(
    dir: &Path,
    target_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Run {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let (out, err) = (dir.join("cargo.stdout"), dir.join("cargo.stderr"));
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap());
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let set_for_this_test = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_")
            || key.starts_with("CARGO_MANIFEST_")
            || matches!(
                key.as_ref(),
                "CARGO_CRATE_NAME" | "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR"
            );
        if set_for_this_test {
            command.env_remove(key.as_ref());
        }
    }
    let mut child = command.spawn().expect("cargo starts");
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "cargo {args:?} in {} took over {timeout:?}; stderr:\n{}",
                dir.display(),
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Run {
        status,
        stdout: fs::read_to_string(&out).unwrap(),
        stderr: fs::read_to_string(&err).unwrap_or_default(),
    }
}
