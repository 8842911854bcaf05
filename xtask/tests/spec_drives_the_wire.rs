//! The spec drives the wire: in a copy of the workspace whose `specs/procore.yaml` moves the
//! token and revocation endpoints (`/oauth/token` to `/oauth/v2/token`, `/oauth/revoke` to
//! `/oauth/v2/revoke`) and has them take form bodies instead of JSON, `cargo xtask regen`
//! regenerates the client, and the unchanged hand-written layer's code exchange, refresh and
//! revocation reach the new paths with form bodies. A path, method or content type written by
//! hand anywhere on that road sends the request the old spec described, and this test fails.
//!
//! The copy holds the workspace manifest and lock, `crates/`, `xtask/` and `specs/`, plus
//! `spec-probe` (`tests/fixtures/spec-probe`), which runs the client against a recording server
//! on loopback and prints the requests it received. It lives under this test's target
//! directory, in `spec-drives-the-wire/`, with a target directory of its own there: the copy's
//! builds do not wait for the main build's lock, and only files whose content changed are
//! rewritten, so that after the first run (which builds the client's dependencies, a few
//! minutes) only the regenerated client and the probe are compiled again.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::own_target_dir;
use xtask::workspace_root;

mod support;

/// Long enough for the first build of the client's dependencies on a busy 2-core machine.
const CARGO_TIMEOUT: Duration = Duration::from_secs(1500);

const FORM: &str = "application/x-www-form-urlencoded";

/// Writes `text` to `path` unless it already holds it (an unchanged file keeps its time, so
/// cargo does not build it again).
fn write_if_changed(path: &Path, text: &[u8]) {
    if fs::read(path).is_ok_and(|current| current == text) {
        return;
    }
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Copies the files under `from` to `to`, skipping `target` folders and the files `keep`
/// names (those the copy makes for itself).
fn copy_tree(from: &Path, to: &Path, keep: &[PathBuf]) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &target, keep);
            }
        } else if !keep.contains(&target) {
            write_if_changed(&target, &fs::read(entry.path()).unwrap());
        }
    }
}

/// The workspace manifest with the xtask and the probe as its members (the crates the probe
/// depends on become members as its path dependencies).
fn copy_manifest(real: &str) -> String {
    let shared = real
        .find("[workspace.package]")
        .expect("the workspace manifest has [workspace.package]");
    format!(
        "[workspace]\nresolver = \"3\"\nmembers = [\"xtask\", \"spec-probe\"]\n\n{}",
        &real[shared..]
    )
}

/// `specs/procore.yaml` with the token and revocation endpoints moved and taking forms.
fn moved_spec(real: &str) -> String {
    let mut spec: Value = serde_norway::from_str(real).unwrap();
    let paths = spec["paths"].as_object_mut().unwrap();
    for (old, new) in [
        ("/oauth/token", "/oauth/v2/token"),
        ("/oauth/revoke", "/oauth/v2/revoke"),
    ] {
        let mut item = paths
            .remove(old)
            .unwrap_or_else(|| panic!("specs/procore.yaml declares {old}"));
        let content = item["post"]["requestBody"]["content"]
            .as_object_mut()
            .unwrap();
        let schema = content
            .remove("application/json")
            .unwrap_or_else(|| panic!("{old} takes JSON in specs/procore.yaml"));
        content.insert(FORM.to_owned(), schema);
        paths.insert(new.to_owned(), item);
    }
    serde_norway::to_string(&spec).unwrap()
}

/// Runs `cargo ARGS` in `dir` with `target_dir`, as a shell would (none of the variables cargo
/// sets for this test), returning its standard output; panics with its output on failure.
fn cargo(dir: &Path, target_dir: &Path, args: &[&str]) -> String {
    let run = support::cargo(
        dir,
        target_dir,
        args,
        &[("CARGO_INCREMENTAL", "0")],
        CARGO_TIMEOUT,
    );
    assert!(
        run.status.success(),
        "cargo {args:?} in {} failed\nstdout:\n{}\nstderr:\n{}",
        dir.display(),
        run.stdout,
        run.stderr
    );
    run.stdout
}

/// A form body as its fields.
fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let mut out = Vec::new();
                let mut bytes = s.bytes();
                while let Some(b) = bytes.next() {
                    if b == b'%' {
                        let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                        out.push(u8::from_str_radix(&hex, 16).unwrap());
                    } else {
                        out.push(b);
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (decode(name), decode(value))
        })
        .collect()
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_regenerated_spec_moves_the_exchange_refresh_and_revocation() {
    let root = workspace_root();
    let dir = own_target_dir().join("spec-drives-the-wire");
    let copy = dir.join("workspace");
    let target_dir = dir.join("target");

    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    write_if_changed(
        &copy.join("Cargo.toml"),
        copy_manifest(&manifest).as_bytes(),
    );
    write_if_changed(
        &copy.join("Cargo.lock"),
        &fs::read(root.join("Cargo.lock")).unwrap(),
    );
    // The regenerated client stays as the copy's xtask wrote it (it rewrites it only when it
    // changes), so that it is not compiled again on every run.
    let regenerated = ["generated.rs", "generated_mock.rs"]
        .map(|name| copy.join("crates/procore/src").join(name));
    for folder in ["crates", "xtask", "specs"] {
        copy_tree(&root.join(folder), &copy.join(folder), &regenerated);
    }
    copy_tree(
        &root.join("xtask/tests/fixtures/spec-probe"),
        &copy.join("spec-probe"),
        &[],
    );
    let spec = fs::read_to_string(root.join("specs/procore.yaml")).unwrap();
    write_if_changed(
        &copy.join("specs/procore.yaml"),
        moved_spec(&spec).as_bytes(),
    );

    cargo(
        &copy,
        &target_dir,
        &[
            "run",
            "--offline",
            "--quiet",
            "-p",
            "xtask",
            "--",
            "regen",
            "procore",
        ],
    );
    let generated = fs::read_to_string(copy.join("crates/procore/src/generated.rs")).unwrap();
    assert!(
        generated.contains("\"/oauth/v2/token\""),
        "the copy's client was regenerated from the moved spec"
    );
    let printed = cargo(
        &copy,
        &target_dir,
        &["run", "--offline", "--quiet", "-p", "spec-probe"],
    );
    let seen: Vec<Value> = printed
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(seen.len(), 3, "exchange, refresh, revocation:\n{printed}");
    let expect = |i: usize, path: &str, body: BTreeMap<String, String>| {
        let request = &seen[i];
        assert_eq!(request["method"], "POST", "{request}");
        assert_eq!(request["path"], path, "{request}");
        assert_eq!(request["content_type"], FORM, "{request}");
        assert_eq!(form(request["body"].as_str().unwrap()), body, "{request}");
    };
    let client = [("client_id", "probe-id"), ("client_secret", "probe-secret")];
    expect(
        0,
        "/oauth/v2/token",
        fields(
            &[
                &client[..],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", "probe-code"),
                    ("redirect_uri", "https://app.example/cb"),
                ],
            ]
            .concat(),
        ),
    );
    expect(
        1,
        "/oauth/v2/token",
        fields(
            &[
                &client[..],
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", "probe-refresh-2"),
                ],
            ]
            .concat(),
        ),
    );
    expect(
        2,
        "/oauth/v2/revoke",
        fields(&[&client[..], &[("token", "probe-access")]].concat()),
    );
    assert_eq!(seen[2]["company"], "42");
}
