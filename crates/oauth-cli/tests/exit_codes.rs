//! Each exit code `oauth --help` lists, caused the way a user causes it, and the help's table
//! itself. (130, Ctrl-C, is `providers_httpmock.rs`'s
//! `ctrl_c_ends_a_login_cleanly_and_frees_the_port`.)

#[allow(dead_code, reason = "these tests need no HTTP client of their own")]
mod common;

use common::CliHome as Home;

/// Runs `oauth ARGS`; its exit code and stderr.
fn code(home: &mut Home, args: &[&str]) -> (Option<i32>, String) {
    let out = home.run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A home with a RingCentral profile `rc` and a Procore one `pc`, both on a closed port.
fn home(name: &str) -> Home {
    let mut home = Home::new(name);
    home.add("rc", "ringcentral", "rc-id", "http://127.0.0.1:1", &[]);
    home.add("pc", "procore", "pc-id", "http://127.0.0.1:1", &[]);
    home
}

#[test]
fn zero_ok() {
    let mut home = home("exit-0");
    assert_eq!(code(&mut home, &["profile", "list"]).0, Some(0));
}

#[test]
fn one_a_local_file_cannot_be_written() {
    let mut home = Home::new("exit-1");
    std::fs::create_dir_all(&home.dir).unwrap();
    // OAUTH_CLI_HOME is a file: no user, root included, can create the config below it.
    let file = home.dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let args = [
        "profile",
        "add",
        "rc",
        "--provider",
        "ringcentral",
        "--client-id",
        "x",
    ];
    let out = home.run_with(&args, &[("OAUTH_CLI_HOME", &file)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("oauth: could not "), "{stderr}");
}

#[test]
fn two_bad_arguments() {
    let mut home = home("exit-2");
    home.add(
        "sc",
        "sunshine-conversations",
        "sc-id",
        "http://127.0.0.1:1",
        &[],
    );
    for args in [
        &["login"][..],
        &[
            "profile",
            "add",
            "x",
            "--provider",
            "ringcentral",
            "--client-id",
            "c",
            "--flow",
            "oauth2",
        ],
        &[
            "profile",
            "add",
            "x",
            "--provider",
            "procore",
            "--client-id",
            "c",
            "--scope",
            "a",
        ],
        &[
            "profile",
            "add",
            "x",
            "--provider",
            "ringcentral",
            "--client-id",
            "c",
            "--base-url",
            "x:1",
        ],
        &["login", "pc", "--jwt", "/dev/null"],
        &["login", "rc", "--client-credentials"],
        &["login", "rc", "--session-cookie-env", "X"],
        &["profile", "check", "sc"],
    ] {
        let (status, stderr) = code(&mut home, args);
        assert_eq!(status, Some(2), "{args:?}: {stderr}");
    }
}

#[test]
fn three_configuration() {
    let mut home = home("exit-3");
    let (status, stderr) = code(&mut home, &["token", "nope"]);
    assert_eq!(status, Some(3), "{stderr}");
    // A secret that is not where the profile says.
    home.add(
        "sc",
        "sunshine-conversations",
        "sc-id",
        "http://127.0.0.1:1",
        &[],
    );
    let out = home
        .command(&["login", "sc"])
        .env_remove("TEST_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    // A token directory other users can write to.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let tokens = home.dir.join("data/tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
        let (status, stderr) = code(&mut home, &["status"]);
        assert_eq!(status, Some(3), "{stderr}");
        assert!(stderr.starts_with("oauth: token store: "), "{stderr}");
    }
}

#[test]
fn four_login_needed() {
    let mut home = home("exit-4");
    assert_eq!(code(&mut home, &["token", "rc"]).0, Some(4));
}

#[test]
fn five_the_provider_or_the_network_failed() {
    let mut home = home("exit-5");
    // Nothing listens on port 1.
    let (status, stderr) = code(&mut home, &["login", "pc", "--client-credentials"]);
    assert_eq!(status, Some(5), "{stderr}");
}

#[test]
fn six_the_login_did_not_complete() {
    let mut home = home("exit-6");
    let port = oauth_sdk_tests::free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    home.ok(&["profile", "set", "rc", "--redirect-uri", &redirect]);
    let (status, stderr) = code(&mut home, &["login", "rc", "--timeout", "1"]);
    assert_eq!(status, Some(6), "{stderr}");
}

#[test]
fn seven_a_malformed_key() {
    let mut home = home("exit-7");
    let out = home.run_with(&["status"], &[("OAUTH_CLI_KEY", &"not-a-key")]);
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn the_help_lists_each_code() {
    let mut home = Home::new("exit-help");
    let help = home.ok(&["--help"]);
    let table = help
        .split("Exit codes:")
        .nth(1)
        .expect("an exit code table");
    let listed: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u8>().is_ok())
        .collect();
    assert_eq!(listed, ["0", "1", "2", "3", "4", "5", "6", "7", "130"]);
    assert!(table.contains("2  bad arguments"), "{table}");
}
