//! Two checkouts sharing one `CARGO_TARGET_DIR`: `cargo xtask regen` in each regenerates, and
//! `--check` checks, that checkout's own tree.
//!
//! Cargo builds the xtask once for both (same sources, same relative paths), so in the second
//! checkout it runs the binary the first one built: a root taken from the path compiled into
//! it would be the first checkout's.
//!
//! The checkouts hold what the xtask needs (its sources, the workspace manifest and lock, the
//! specs and the provider crates' manifests and generated files). The shared target
//! directory is this test's own, so only the xtask crate itself is compiled (its dependencies
//! are those `cargo xtask` builds); each cargo run is bounded in time.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{Run, own_target_dir};
use xtask::workspace_root;

mod support;

/// Long enough for a cold build of the xtask crate on a busy 2-core machine.
const CARGO_TIMEOUT: Duration = Duration::from_secs(480);

/// A scratch folder removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The workspace manifest with the xtask as its only member. The version differs from the
/// real one so the checkouts' xtask builds never replace the real workspace's in the shared
/// target directory (they still share one build between them, which is the point).
fn checkout_manifest(real: &str) -> String {
    let shared = real
        .find("[workspace.package]")
        .expect("the workspace manifest has [workspace.package]");
    let rest = &real[shared..];
    let version = rest
        .find("\nversion = \"")
        .expect("[workspace.package] sets the version");
    format!(
        "[workspace]\nresolver = \"3\"\nmembers = [\"xtask\"]\n\n{}\nversion = \"0.0.0-checkout-{}",
        &rest[..version],
        &rest[version + "\nversion = \"".len()..]
    )
}

/// A checkout at `dir` of what `cargo xtask regen` reads and writes.
fn checkout(root: &Path, dir: &Path, providers: &[xtask::Provider]) {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("Cargo.toml"), checkout_manifest(&manifest)).unwrap();
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    fs::create_dir_all(dir.join("xtask")).unwrap();
    fs::copy(root.join("xtask/Cargo.toml"), dir.join("xtask/Cargo.toml")).unwrap();
    copy_tree(&root.join("xtask/src"), &dir.join("xtask/src"));
    copy_tree(&root.join("specs"), &dir.join("specs"));
    for p in providers {
        let krate = format!("crates/{}", p.name);
        fs::create_dir_all(dir.join(&krate).join("src")).unwrap();
        fs::copy(
            root.join(&krate).join("Cargo.toml"),
            dir.join(&krate).join("Cargo.toml"),
        )
        .unwrap();
        // Every file regen writes for the provider, so that a fresh checkout is up to date.
        for output in [p.output.clone(), p.mock_output()] {
            let name = output.file_name().unwrap();
            fs::copy(&output, dir.join(&krate).join("src").join(name)).unwrap();
        }
    }
}

/// Runs `cargo run -p xtask -- regen ARGS` (what the `cargo xtask` alias expands to) in `dir`
/// as a shell would: none of the variables cargo sets for this test, `CARGO_TARGET_DIR` set.
fn regen_in(dir: &Path, target_dir: &Path, args: &[&str]) -> Run {
    let mut all = vec![
        "run",
        "--offline",
        "--quiet",
        "--package",
        "xtask",
        "--",
        "regen",
    ];
    all.extend_from_slice(args);
    support::cargo(dir, target_dir, &all, &[], CARGO_TIMEOUT)
}

#[test]
fn each_checkout_sharing_a_target_dir_regenerates_and_checks_its_own_tree() {
    let root = workspace_root();
    let providers = xtask::provider::discover(&root).unwrap();
    let provider = providers.first().expect("specs/ has a provider");
    let generated = format!("crates/{}/src/generated.rs", provider.name);
    let up_to_date = fs::read_to_string(root.join(&generated)).unwrap();

    let scratch =
        Scratch(std::env::temp_dir().join(format!("xtask-two-checkouts-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    let (first, second) = (scratch.0.join("first"), scratch.0.join("second"));
    // Both are copied before the first build, so the build is fresh for the second one too
    // and cargo runs it there as it is.
    checkout(&root, &first, &providers);
    checkout(&root, &second, &providers);
    fs::write(second.join(&generated), "// stale\n").unwrap();
    let target_dir = own_target_dir();
    let report = |run: &Run| format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);

    let run = regen_in(&first, &target_dir, &["--check"]);
    assert!(
        run.status.success(),
        "the first checkout is up to date\n{}",
        report(&run)
    );
    assert!(
        run.stdout.contains(&first.display().to_string()),
        "{}",
        report(&run)
    );

    let run = regen_in(&second, &target_dir, &["--check"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "the second checkout is stale\n{}",
        report(&run)
    );
    assert!(
        run.stderr
            .contains(&format!("stale: {generated} (in {})", second.display())),
        "{}",
        report(&run)
    );
    assert_eq!(
        fs::read_to_string(second.join(&generated)).unwrap(),
        "// stale\n"
    );

    let run = regen_in(&second, &target_dir, &[]);
    assert!(run.status.success(), "{}", report(&run));
    assert!(
        run.stdout.contains(&format!("wrote {generated}")),
        "{}",
        report(&run)
    );
    assert_eq!(
        fs::read_to_string(second.join(&generated)).unwrap(),
        up_to_date
    );

    // And back: the first checkout's stale file is the first checkout's business.
    fs::write(first.join(&generated), "// stale\n").unwrap();
    let run = regen_in(&first, &target_dir, &[]);
    assert!(run.status.success(), "{}", report(&run));
    assert_eq!(
        fs::read_to_string(first.join(&generated)).unwrap(),
        up_to_date
    );
    assert_eq!(
        fs::read_to_string(second.join(&generated)).unwrap(),
        up_to_date
    );
}
