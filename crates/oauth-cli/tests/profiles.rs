//! `oauth profile add|set|list`, `status` and `logout` as a newcomer meets them: a base URL
//! checked when it is typed and shown when it is not the provider's own, Cal.com's API and web
//! app kept together, a profile changed one setting at a time, Cal.com's logout, and
//! `--help`'s example commands whole in an 80-column terminal. No server is needed.

#[allow(dead_code, reason = "these tests need no HTTP client of their own")]
mod common;

use std::process::Output;

use common::CliHome as Home;
use serde_json::json;

/// `oauth profile add NAME --provider PROVIDER --client-id cid MORE...`.
fn add(home: &mut Home, name: &str, provider: &str, more: &[&str]) -> Output {
    home.profile_add(name, provider, more)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_base_url_is_checked_when_added_and_shown_when_it_is_not_the_default() {
    let mut home = Home::new("base-url");
    for (url, says) in [
        (
            "127.0.0.1:32869",
            "--base-url `127.0.0.1:32869` has no scheme: did you mean `http://127.0.0.1:32869`?",
        ),
        ("ftp://x", "has scheme `ftp`; use https"),
        (
            "http://127.0.0.1:32869/restapi",
            "has the API path in it: give the server's root, e.g. `http://127.0.0.1:32869`",
        ),
    ] {
        let out = add(&mut home, "rc", "ringcentral", &["--base-url", url]);
        assert_eq!(out.status.code(), Some(2), "{url}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{url}: {}", stderr(&out));
    }
    assert!(
        !home.dir.join("config.toml").exists(),
        "nothing was written"
    );

    let out = add(
        &mut home,
        "rc",
        "ringcentral",
        &["--base-url", "http://127.0.0.1:32869/"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "Base URL http://127.0.0.1:32869: the server's root, to which RingCentral's paths \
             (/restapi/oauth/token) are added."
        ),
        "{}",
        stderr(&out)
    );
    // The provider's own base URL, written out, is no base URL of one's own.
    let out = add(
        &mut home,
        "sandbox",
        "ringcentral",
        &[
            "--environment",
            "sandbox",
            "--base-url",
            "https://platform.devtest.ringcentral.com",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Base URL"), "{}", stderr(&out));

    let listed = home.ok(&["profile", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert!(
        lines[0].starts_with("rc\tringcentral\tproduction\t")
            && lines[0].ends_with("\tbase_url=http://127.0.0.1:32869"),
        "{listed}"
    );
    assert!(!lines[1].contains("base_url"), "{listed}");
    let status = home.ok(&["status"]);
    assert_eq!(
        status,
        "rc\tringcentral\tproduction (http://127.0.0.1:32869)\t-\t-\t-\tnot logged in: run \
         `oauth login rc`\nsandbox\tringcentral\tsandbox\t-\t-\t-\tnot logged in: run `oauth \
         login sandbox`\n"
    );
}

#[test]
fn calcom_oauth2_needs_its_api_and_web_app_together() {
    let mut home = Home::new("calcom-pair");
    let api = "http://127.0.0.1:3002";
    let out = add(&mut home, "cal", "calcom", &["--base-url", api]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "--base-url http://127.0.0.1:3002 without --app-url would send the browser to log \
             in at https://app.cal.com"
        ),
        "{}",
        stderr(&out)
    );
    let out = add(
        &mut home,
        "cal",
        "calcom",
        &["--app-url", "http://127.0.0.1:3000"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("without --base-url"),
        "{}",
        stderr(&out)
    );
    let both = ["--base-url", api, "--app-url", "http://127.0.0.1:3000"];
    assert!(add(&mut home, "cal", "calcom", &both).status.success());
    // The platform flow has no web app step: its API alone is fine.
    let platform = ["--base-url", api, "--flow", "platform"];
    assert!(
        add(&mut home, "cal-platform", "calcom", &platform)
            .status
            .success()
    );
    // And a change that would split the pair is refused too.
    let out = home.run(&["profile", "set", "cal", "--app-url", ""]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn profile_set_changes_what_it_is_given_and_keeps_the_rest() {
    let mut home = Home::new("profile-set");
    let more = [
        "--base-url",
        "http://127.0.0.1:1",
        "--scope",
        "ReadAccounts",
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
    ];
    assert!(add(&mut home, "rc", "ringcentral", &more).status.success());
    let received = common::now_ms();
    home.store_token(
        "rc",
        json!({"access_token": "rc-set-access", "received_at_ms": received}),
    );

    home.ok(&[
        "profile",
        "set",
        "rc",
        "--redirect-uri",
        "http://127.0.0.1:9000/cb",
    ]);
    let listed = home.ok(&["profile", "list"]);
    assert_eq!(
        listed,
        "rc\tringcentral\tproduction\tclient_id=cid\tredirect_uri=http://127.0.0.1:9000/cb\t\
         scopes=ReadAccounts\tsecret=env TEST_CLIENT_SECRET\tclient_auth=client_secret_basic\t\
         base_url=http://127.0.0.1:1\n"
    );
    assert_eq!(
        home.ok(&["token", "rc"]).trim(),
        "rc-set-access",
        "the same app and server: the token is kept"
    );
    // Bad values are refused as on `add`, and change nothing.
    let out = home.run(&["profile", "set", "rc", "--base-url", "ftp://x"]);
    assert_eq!(out.status.code(), Some(2));
    let out = home.run(&["profile", "set", "rc", "--company-id", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Procore profiles only"),
        "{}",
        stderr(&out)
    );
    assert_eq!(home.ok(&["profile", "list"]), listed);
    // An empty value removes a setting.
    home.ok(&["profile", "set", "rc", "--scope", "", "--redirect-uri", ""]);
    let listed = home.ok(&["profile", "list"]);
    assert!(
        listed.contains("redirect_uri=http://127.0.0.1:8976/callback\tscopes=-\t"),
        "{listed}"
    );
    // Another app: the token is forgotten.
    home.ok(&["profile", "set", "rc", "--client-id", "other"]);
    assert!(home.transcript.contains("Forgot the token of the old `rc`"));
    assert_eq!(home.run(&["token", "rc"]).status.code(), Some(4));
    let out = home.run(&["profile", "set", "rcc", "--client-id", "x"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("did you mean `rc`?"),
        "{}",
        stderr(&out)
    );
    // `add` on an existing profile points to `set`.
    let out = add(&mut home, "rc", "ringcentral", &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("`oauth profile set rc ...`"),
        "{}",
        stderr(&out)
    );
    home.assert_clean(&["rc-set-access"]);
}

#[test]
fn calcom_logout_does_not_suggest_a_revocation_it_does_not_have() {
    let mut home = Home::new("calcom-logout");
    let platform = [
        "--flow",
        "platform",
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
    ];
    assert!(add(&mut home, "cal", "calcom", &platform).status.success());
    assert!(add(&mut home, "rc", "ringcentral", &[]).status.success());
    for name in ["cal", "rc"] {
        let token = json!({"access_token": "cal-logout-access", "received_at_ms": 1});
        home.store_token(name, token);
    }
    let out = home.run(&["logout", "cal"]);
    assert!(out.status.success());
    assert_eq!(
        stderr(&out),
        "Forgot the token of profile `cal` (Cal.com has no revocation: the grant stays valid \
         there until its refresh token expires or the user removes the app).\n"
    );
    let out = home.run(&["logout", "rc"]);
    assert_eq!(
        stderr(&out),
        "Forgot the token of profile `rc` (not revoked: `oauth revoke` does that).\n"
    );
    let out = home.run(&["profile", "remove", "cal"]);
    assert!(!stderr(&out).contains("oauth revoke"), "{}", stderr(&out));
}

#[test]
fn the_help_examples_stay_whole_in_80_columns() {
    let mut home = Home::new("help");
    let out = home.run_with(&["--help"], &[("COLUMNS", &"80")]);
    let help = String::from_utf8(out.stdout).unwrap();
    for line in [
        "  curl -H \"Authorization: Bearer $(oauth token rc)\" $RC/restapi/v1.0/account/~\n",
        "  oauth login rc\n",
        "  export OAUTH_CLI_KEY=\"$(openssl rand -base64 32)\"\n",
    ] {
        assert!(help.contains(line), "{line}\n{help}");
    }
    assert!(
        help.contains("  oauth profile add rc --provider ringcentral --client-id ID \\\n      --client-secret-prompt\n"),
        "{help}"
    );
    assert!(help.lines().all(|l| l.chars().count() <= 80), "{help}");
}
