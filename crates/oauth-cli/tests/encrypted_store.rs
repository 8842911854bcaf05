//! `oauth` with `OAUTH_CLI_KEY`: the token store encrypted at rest, against httpmock
//! (RingCentral's JWT grant and refresh). Login, token, status and a refresh through the sealed
//! store, no secret of the token on disk, tokens from before the key was set encrypted on their
//! next write, a missing, wrong or malformed key refused with exit code 7, the stored file left
//! byte for byte as it was, and no key in any output.

#[allow(dead_code, reason = "these tests need no HTTP client of their own")]
mod common;

use std::path::PathBuf;
use std::process::Output;

use common::CliHome as Home;
use httpmock::Method::POST;
use httpmock::{Mock, MockServer};
use serde_json::json;

/// Keys in hex (one of the formats `OAUTH_CLI_KEY` takes), with ids.
const KEY_A: &str = "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5";
const KEY_B: &str = "5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b";

const SECRETS: [&str; 4] = [
    "rc-enc-access-1",
    "rc-enc-refresh-1",
    "rc-enc-access-2",
    "rc-enc-refresh-2",
];

/// The JWT grant gives a 30-second token (due at `oauth token`'s default 60 s minimum), whose
/// refresh gives an hour-long one.
struct Server {
    server: MockServer,
    jwt: usize,
    refresh: usize,
}

impl Server {
    fn start() -> Self {
        let server = MockServer::start();
        let mut this = Self {
            server,
            jwt: 0,
            refresh: 0,
        };
        this.jwt = this.mock_jwt().id();
        this.refresh = this.mock_refresh().id();
        this
    }

    fn mock_jwt(&self) -> Mock<'_> {
        self.server.mock(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .body_includes("assertion=eyJ.enc-credential.sig");
            then.status(200).json_body(json!({
                "access_token": "rc-enc-access-1", "token_type": "bearer", "expires_in": 30,
                "refresh_token": "rc-enc-refresh-1", "refresh_token_expires_in": 600,
                "scope": "ReadAccounts",
            }));
        })
    }

    fn mock_refresh(&self) -> Mock<'_> {
        self.server.mock(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .body_includes("grant_type=refresh_token")
                .body_includes("refresh_token=rc-enc-refresh-1");
            then.status(200).json_body(json!({
                "access_token": "rc-enc-access-2", "token_type": "bearer", "expires_in": 3600,
                "refresh_token": "rc-enc-refresh-2", "refresh_token_expires_in": 600,
                "scope": "ReadAccounts",
            }));
        })
    }

    /// (JWT grants, refreshes) so far.
    fn calls(&self) -> (usize, usize) {
        let count = |id| Mock::new(id, &self.server).calls();
        (count(self.jwt), count(self.refresh))
    }
}

/// A home with a RingCentral profile `rc` for `server` and its JWT credential file.
fn home(name: &str, server: &Server) -> (Home, String) {
    let mut home = Home::new(name);
    std::fs::create_dir_all(&home.dir).unwrap();
    let jwt = home.dir.join("jwt.txt");
    std::fs::write(&jwt, "eyJ.enc-credential.sig\n").unwrap();
    home.add("rc", "ringcentral", "rc-id", &server.server.base_url(), &[]);
    (home, jwt.display().to_string())
}

/// `oauth ARGS` with `OAUTH_CLI_KEY` set to `key` (or unset), recorded in the transcript.
fn run(home: &mut Home, key: Option<&str>, args: &[&str]) -> Output {
    let mut command = home.command(args);
    if let Some(key) = key {
        command.env("OAUTH_CLI_KEY", key);
    }
    let out = command.output().expect("run oauth");
    home.record(args, &out);
    out
}

/// Like [`run`], and it must succeed; its stdout.
fn ok(home: &mut Home, key: Option<&str>, args: &[&str]) -> String {
    let out = run(home, key, args);
    assert!(
        out.status.success(),
        "oauth {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Like [`run`], and it must fail with exit code 7 and nothing on stdout; its stderr.
fn refused(home: &mut Home, key: Option<&str>, args: &[&str]) -> String {
    let out = run(home, key, args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(7), "oauth {args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "oauth {args:?}");
    assert!(stderr.contains("OAUTH_CLI_KEY"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

fn token_file(home: &Home) -> PathBuf {
    home.dir.join("data/tokens/rc.json")
}

/// The stored document: sealed (no secret of any token in its bytes), and the id of its key.
fn sealed_kid(home: &Home) -> String {
    let bytes = std::fs::read(token_file(home)).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    oauth_sdk_tests::assert_no_secrets(&text, &SECRETS);
    assert!(!text.contains("ReadAccounts"), "{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["token"]["extra"]["oauth_core_sealed"]["kid"]
        .as_str()
        .unwrap_or_else(|| panic!("not sealed: {text}"))
        .to_owned()
}

#[test]
fn with_a_key_login_token_refresh_and_status_work_and_no_secret_reaches_the_disk() {
    let server = Server::start();
    let (mut home, jwt) = home("enc-flow", &server);
    let k1 = format!("k1:{KEY_A}");
    ok(&mut home, Some(&k1), &["login", "rc", "--jwt", &jwt]);
    assert_eq!(sealed_kid(&home), "k1");
    assert_eq!(server.calls(), (1, 0));
    // Due (30 s left, 60 s asked for): refreshed, and the rotated token written sealed.
    assert_eq!(
        ok(&mut home, Some(&k1), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(server.calls(), (1, 1));
    assert_eq!(sealed_kid(&home), "k1");
    assert_eq!(
        ok(&mut home, Some(&k1), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(server.calls(), (1, 1), "the refreshed token was stored");
    let status = ok(&mut home, Some(&k1), &["status"]);
    assert!(
        status.starts_with(&format!(
            "rc\tringcentral\tproduction ({})\tscopes=ReadAccounts\taccess expires in",
            server.server.base_url()
        )),
        "{status}"
    );
    assert!(status.trim_end().ends_with("\tok"), "{status}");
    let stored = std::fs::read(token_file(&home)).unwrap();

    // Without the key: refused, never mistaken for an expired token or replaced by a login.
    let stderr = refused(&mut home, None, &["token", "rc"]);
    assert!(
        stderr.starts_with(
            "oauth: token store: the token of `rc` is encrypted and OAUTH_CLI_KEY is not set"
        ),
        "{stderr}"
    );
    refused(&mut home, None, &["login", "rc", "--jwt", &jwt]);
    assert_eq!(server.calls(), (1, 1), "no login was attempted");
    let status = ok(&mut home, None, &["status"]);
    assert!(
        status.starts_with(&format!(
            "rc\tringcentral\tproduction ({})\t-\t-\t-\tunreadable token: ",
            server.server.base_url()
        )) && status.contains("OAUTH_CLI_KEY")
            && status.contains("`oauth logout rc`"),
        "{status}"
    );
    // A wrong key, named or not: the same.
    for wrong in [format!("k1:{KEY_B}"), KEY_B.to_owned()] {
        let stderr = refused(&mut home, Some(&wrong), &["token", "rc", "--json"]);
        assert!(stderr.contains("`rc`"), "{stderr}");
    }
    assert_eq!(
        std::fs::read(token_file(&home)).unwrap(),
        stored,
        "left byte for byte"
    );

    // Rotation: the old key still reads; the next write (a login) seals with the new one,
    // which then suffices.
    let rotated = format!("k2:{KEY_B},{k1}");
    assert_eq!(
        ok(&mut home, Some(&rotated), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(sealed_kid(&home), "k1", "a read writes nothing");
    ok(&mut home, Some(&rotated), &["login", "rc", "--jwt", &jwt]);
    assert_eq!(sealed_kid(&home), "k2");
    let k2 = format!("k2:{KEY_B}");
    assert_eq!(
        ok(&mut home, Some(&k2), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(server.calls(), (2, 2));
    assert_eq!(sealed_kid(&home), "k2");
    refused(&mut home, Some(&k1), &["token", "rc"]);

    // Forgetting needs no key.
    ok(&mut home, None, &["logout", "rc"]);
    assert!(!token_file(&home).exists());
    home.assert_clean(&[&SECRETS[..], &[KEY_A, KEY_B, "eyJ.enc-credential.sig"]].concat());
}

#[test]
fn a_token_stored_before_the_key_was_set_is_read_and_sealed_on_its_next_write() {
    let server = Server::start();
    let (mut home, jwt) = home("enc-migrate", &server);
    ok(&mut home, None, &["login", "rc", "--jwt", &jwt]);
    let plain = std::fs::read(token_file(&home)).unwrap();
    assert!(String::from_utf8_lossy(&plain).contains("rc-enc-refresh-1"));

    // Read through the key, unchanged until written.
    let status = ok(&mut home, Some(KEY_A), &["status"]);
    assert!(status.contains("scopes=ReadAccounts"), "{status}");
    let json = ok(
        &mut home,
        Some(KEY_A),
        &["token", "rc", "--json", "--min-lifetime", "0"],
    );
    assert!(json.contains("\"has_refresh_token\":true"), "{json}");
    assert_eq!(std::fs::read(token_file(&home)).unwrap(), plain);

    // The refresh writes it sealed (under the id derived from the bare key).
    assert_eq!(
        ok(&mut home, Some(KEY_A), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(server.calls(), (1, 1));
    assert!(sealed_kid(&home).starts_with("k-"));
    assert_eq!(
        ok(&mut home, Some(KEY_A), &["token", "rc"]).trim(),
        "rc-enc-access-2"
    );
    assert_eq!(server.calls(), (1, 1));
    refused(&mut home, None, &["token", "rc"]);
    home.assert_clean(&[&SECRETS[..], &[KEY_A, "eyJ.enc-credential.sig"]].concat());
}

#[test]
fn a_malformed_key_is_refused_by_every_store_command_without_being_shown() {
    let server = Server::start();
    let (mut home, jwt) = home("enc-malformed", &server);
    ok(&mut home, None, &["login", "rc", "--jwt", &jwt]);
    let stored = std::fs::read(token_file(&home)).unwrap();
    let short = &KEY_A[..62];
    let bad_keys = [
        "hunter2-my-password".to_owned(),
        short.to_owned(),
        format!("k1:{short}"),
        format!("{KEY_A},not-a-key-either"),
    ];
    for bad in &bad_keys {
        for args in [
            &["token", "rc"][..],
            &["status"],
            &["login", "rc", "--jwt", &jwt],
            &["revoke", "rc"],
            &["logout", "rc"],
        ] {
            let stderr = refused(&mut home, Some(bad), args);
            assert!(
                stderr.starts_with("oauth: OAUTH_CLI_KEY: key ")
                    && stderr.contains("is not 32 bytes in base64 or hex"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert_eq!(server.calls(), (1, 0));
    assert_eq!(std::fs::read(token_file(&home)).unwrap(), stored);
    let mut shown: Vec<&str> = bad_keys.iter().map(String::as_str).collect();
    shown.extend([KEY_A, short, "hunter2", "not-a-key-either"]);
    oauth_sdk_tests::assert_no_secrets(&home.transcript, &shown);
}
