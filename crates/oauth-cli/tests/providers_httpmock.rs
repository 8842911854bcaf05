//! `oauth` for each provider's login path, against httpmock: Procore client credentials run
//! again when due, RingCentral's JWT grant (refresh, then the JWT again when the refresh is
//! refused), Sunshine Conversations' browser login and never-expiring token, Cal.com's session
//! flow with refresh. Each test counts the requests that reached the server and checks every
//! output but `oauth token`'s stdout for secrets.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{CliHome as Home, http_client};
use httpmock::Method::{DELETE, POST};
use httpmock::MockServer;
use serde_json::json;

const CB: &str = "http://127.0.0.1:1/callback";

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn procore_client_credentials_are_obtained_again_when_due_and_revoked() {
    let server = MockServer::start();
    let grant = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth/token")
            .json_body_includes(r#"{"grant_type": "client_credentials"}"#);
        then.status(200).json_body(json!({
            "access_token": "pc-cc-access",
            "token_type": "bearer",
            "expires_in": 30,
            "created_at": now_secs(),
        }));
    });
    let revoke = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth/revoke")
            .header("procore-company-id", "42");
        then.status(200).json_body(json!({}));
    });
    let mut home = Home::new("procore");
    home.add(
        "svc",
        "procore",
        "pc-id",
        &server.base_url(),
        &["--company-id", "42"],
    );
    home.ok(&["login", "svc", "--client-credentials"]);
    assert_eq!(grant.calls(), 1);
    // 30 s left is less than the default minimum of 60 s: the grant runs again.
    assert_eq!(home.ok(&["-vv", "token", "svc"]).trim(), "pc-cc-access");
    assert_eq!(grant.calls(), 2);
    assert_eq!(
        home.ok(&["token", "svc", "--min-lifetime", "5"]).trim(),
        "pc-cc-access"
    );
    assert_eq!(grant.calls(), 2, "a fresh enough token is not renewed");
    let status = home.ok(&["status"]);
    assert!(status.contains("no refresh token\tok"), "{status}");
    let config = std::fs::read_to_string(home.dir.join("config.toml")).unwrap();
    assert!(
        config.contains("grant = \"client-credentials\""),
        "{config}"
    );
    home.ok(&["revoke", "svc"]);
    assert_eq!(revoke.calls(), 1);
    assert_eq!(home.run(&["token", "svc"]).status.code(), Some(4));
    home.assert_clean(&["pc-cc-access"]);
}

#[test]
fn ringcentral_jwt_refreshes_and_signs_in_again_when_the_refresh_is_refused() {
    let server = MockServer::start();
    let jwt = server.mock(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .body_includes("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
            .body_includes("assertion=eyJ.jwt-credential.sig");
        then.status(200).json_body(json!({
            "access_token": "rc-jwt-access",
            "token_type": "bearer",
            "expires_in": 30,
            "refresh_token": "rc-jwt-refresh",
            "refresh_token_expires_in": 600,
            "scope": "ReadAccounts",
        }));
    });
    let refresh = server.mock(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .body_includes("grant_type=refresh_token")
            .body_includes("refresh_token=rc-jwt-refresh");
        then.status(400)
            .json_body(json!({"error": "invalid_grant", "error_description": "Token not found"}));
    });
    let mut home = Home::new("rc-jwt");
    std::fs::create_dir_all(&home.dir).unwrap();
    let jwt_file = home.dir.join("jwt.txt");
    std::fs::write(&jwt_file, "eyJ.jwt-credential.sig\n").unwrap();
    home.add("rc", "ringcentral", "rc-id", &server.base_url(), &[]);
    home.ok(&["login", "rc", "--jwt", jwt_file.to_str().unwrap()]);
    assert_eq!((jwt.calls(), refresh.calls()), (1, 0));
    assert_eq!(home.ok(&["-vv", "token", "rc"]).trim(), "rc-jwt-access");
    assert_eq!(
        (jwt.calls(), refresh.calls()),
        (2, 1),
        "refresh first, then the JWT"
    );
    // `-vv` traced it, redacted (checked below with the other outputs): both requests, the
    // refusal, and the refresh's outcome.
    let base = server.base_url();
    for line in [
        format!("oauth: POST {base}/restapi/oauth/token -> HTTP 400 in "),
        "oauth: refresh refused; running the JWT grant again (provider=ringcentral".to_owned(),
        format!("oauth: POST {base}/restapi/oauth/token -> HTTP 200 in "),
        "oauth: refresh of `rc` (ringcentral): refreshed in ".to_owned(),
    ] {
        assert!(
            home.transcript.contains(&line),
            "{line}\n{}",
            home.transcript
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&home.ok(&["token", "rc", "--json", "--min-lifetime", "0"])).unwrap();
    assert_eq!(json["scopes"], json!(["ReadAccounts"]));
    assert_eq!(json["has_refresh_token"], true);
    home.assert_clean(&["rc-jwt-access", "rc-jwt-refresh", "eyJ.jwt-credential.sig"]);
}

#[tokio::test]
async fn sunshine_browser_login_gives_a_token_that_never_expires() {
    let server = MockServer::start_async().await;
    let exchange = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .json_body_includes(r#"{"code": "sc-code"}"#);
            then.status(200)
                .json_body(json!({"access_token": "sc-access", "token_type": "Bearer"}));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/oauth/authorization")
                .header("authorization", "Bearer sc-access");
            then.status(200);
        })
        .await;
    let mut home = Home::new("sunshine");
    let port = oauth_sdk_tests::free_port();
    let redirect = format!("http://127.0.0.1:{port}/cb");
    home.add(
        "sc",
        "sunshine-conversations",
        "sc-id",
        &server.base_url(),
        &["--redirect-uri", &redirect],
    );
    let mut child = home
        .command(&["login", "sc", "--timeout", "30"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("an authorization URL").unwrap();
        home.transcript += &line;
        if line.trim_start().starts_with("http://") {
            break url::Url::parse(line.trim()).unwrap();
        }
    };
    assert_eq!(url.path(), "/oauth/authorize");
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    // The provider's redirect, as the browser would follow it.
    let page = http_client()
        .get(format!("{redirect}?code=sc-code&state={state}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    for line in lines {
        home.transcript += &line.unwrap();
    }
    assert!(child.wait().unwrap().success(), "{}", home.transcript);
    assert!(
        home.transcript.contains("token never expires"),
        "{}",
        home.transcript
    );
    assert_eq!(exchange.calls_async().await, 1);
    assert_eq!(
        home.ok(&["token", "sc", "--min-lifetime", "999999"]).trim(),
        "sc-access"
    );
    let status = home.ok(&["status", "sc"]);
    assert!(
        status.contains("access never expires\tno refresh token\tok"),
        "{status}"
    );
    home.ok(&["revoke", "sc"]);
    assert_eq!(revoke.calls_async().await, 1);
    home.assert_clean(&["sc-access", "sc-code"]);
}

#[test]
fn calcom_session_login_then_refresh_and_no_revocation() {
    let server = MockServer::start();
    let location = format!("{CB}?code=cal-code");
    let authorize = server.mock(|when, then| {
        when.method(POST)
            .path("/v2/oauth/cal-id/authorize")
            .header("cookie", "session-token=cal-session-secret");
        then.status(302).header("location", location.as_str());
    });
    let expires_ms = |secs: u64| (now_secs() + secs) * 1000;
    let exchange = server.mock(|when, then| {
        when.method(POST)
            .path("/v2/oauth/cal-id/exchange")
            .header("authorization", "Bearer cal-code");
        then.status(200)
            .json_body(json!({"status": "success", "data": {
                "accessToken": "cal-access-1", "refreshToken": "cal-refresh-1",
                "accessTokenExpiresAt": expires_ms(30), "refreshTokenExpiresAt": expires_ms(3600),
            }}));
    });
    let refresh = server.mock(|when, then| {
        when.method(POST)
            .path("/v2/oauth/cal-id/refresh")
            .json_body(json!({"refreshToken": "cal-refresh-1"}));
        then.status(200)
            .json_body(json!({"status": "success", "data": {
                "accessToken": "cal-access-2", "refreshToken": "cal-refresh-2",
                "accessTokenExpiresAt": expires_ms(3600), "refreshTokenExpiresAt": expires_ms(7200),
            }}));
    });
    let mut home = Home::new("calcom");
    home.add(
        "cal",
        "calcom",
        "cal-id",
        &server.base_url(),
        &["--redirect-uri", CB, "--flow", "platform"],
    );
    home.ok(&["login", "cal", "--session-cookie-env", "TEST_SESSION"]);
    assert_eq!((authorize.calls(), exchange.calls()), (1, 1));
    assert_eq!(home.ok(&["token", "cal"]).trim(), "cal-access-2");
    assert_eq!(refresh.calls(), 1);
    assert_eq!(home.ok(&["token", "cal"]).trim(), "cal-access-2");
    assert_eq!(refresh.calls(), 1, "the rotated token was stored");
    let out = home.run(&["revoke", "cal"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "oauth: Cal.com has no revocation endpoint; `oauth logout cal` forgets the token here\n"
    );
    home.ok(&["logout", "cal"]);
    assert_eq!(home.run(&["token", "cal"]).status.code(), Some(4));
    home.assert_clean(&[
        "cal-access-1",
        "cal-access-2",
        "cal-refresh-1",
        "cal-refresh-2",
        "cal-code",
    ]);
}

/// Refuses every RingCentral refresh with `invalid_grant` (`description`).
fn refusing<'a>(server: &'a MockServer, description: &str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(POST).path("/restapi/oauth/token");
        then.status(400)
            .json_body(json!({"error": "invalid_grant", "error_description": description}));
    })
}

/// A RingCentral profile `rc` on `server` holding an hour-long token received `age` seconds
/// ago.
fn holding(server: &MockServer, name: &str, age: u64, access: &str, refresh: &str) -> Home {
    let mut home = Home::new(name);
    home.add("rc", "ringcentral", "rc-id", &server.base_url(), &[]);
    let received = (now_secs() - age) * 1000;
    home.store_token(
        "rc",
        json!({"access_token": access, "refresh_token": refresh,
               "expires_at_ms": received + 3_600_000, "received_at_ms": received}),
    );
    home
}

#[test]
fn a_refused_grant_is_recorded_so_every_later_command_knows_it() {
    let server = MockServer::start();
    let refresh = refusing(&server, "Token is revoked");
    // Valid for 30 s more: inside the 60 s `--min-lifetime`, so `token` refreshes, and the
    // server has revoked the grant.
    let mut home = holding(
        &server,
        "rc-refused",
        3570,
        "rc-live-access",
        "rc-revoked-refresh",
    );
    let out = home.run(&["token", "rc"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(refresh.calls(), 1);

    // The old access token has not expired yet, but it is not handed out any more...
    let out = home.run(&["token", "rc", "--min-lifetime", "0"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "the refused grant's token was printed"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid_grant") && stderr.contains("Token is revoked"),
        "{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("run `oauth login rc`"),
        "{stderr}"
    );
    // ...and `status` says why, in every shell, without asking the server again.
    let status = home.ok(&["status"]);
    assert!(
        status.contains("needs login (the provider refused the grant"),
        "{status}"
    );
    assert!(status.contains("`invalid_grant`"), "{status}");
    assert_eq!(
        refresh.calls(),
        1,
        "the refusal was looked up again at the server"
    );
    home.assert_clean(&["rc-live-access", "rc-revoked-refresh"]);
}

#[test]
fn an_expired_refresh_token_names_the_command_that_fixes_it() {
    let server = MockServer::start();
    let refresh = refusing(&server, "Token is expired");
    // A stored token in the library's document format, whose access token has expired.
    let mut home = holding(&server, "rc-dead", 7200, "rc-old-access", "rc-old-refresh");
    let out = home.run(&["token", "rc"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("oauth: profile `rc` needs a new login ("),
        "{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("run `oauth login rc`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(refresh.calls(), 1, "a refused refresh is not retried");
    assert!(out.stdout.is_empty());
    home.assert_clean(&["rc-old-access", "rc-old-refresh"]);
}

#[test]
fn ctrl_c_ends_a_login_cleanly_and_frees_the_port() {
    let mut home = Home::new("ctrl-c");
    let port = oauth_sdk_tests::free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    home.add(
        "rc",
        "ringcentral",
        "rc-id",
        "http://127.0.0.1:1",
        &["--redirect-uri", &redirect],
    );
    let mut child = home
        .command(&["login", "rc"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Ctrl-C is listened for from the bind on, before "Waiting" is printed.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("Waiting for the redirect") {
            break;
        }
    }
    // The shell's built-in `kill`: no procps needed.
    let kill = Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(kill.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(rest, ["oauth: interrupted"]);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free again");
}

#[test]
fn a_secret_from_stdin_is_kept_private_and_removed_with_its_profile() {
    use std::io::Write;
    let home = Home::new("stdin");
    let mut child = home
        .command(&[
            "profile",
            "add",
            "pc",
            "--provider",
            "procore",
            "--client-id",
            "pc-id",
            "--client-secret-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"pc-stdin-secret\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let saved = home.dir.join("data/secrets/pc");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "pc-stdin-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let config = std::fs::read_to_string(home.dir.join("config.toml")).unwrap();
    assert!(!config.contains("pc-stdin-secret"), "{config}");
    assert!(config.contains("client_secret_file"), "{config}");
    let out = home.command(&["profile", "remove", "pc"]).output().unwrap();
    assert!(out.status.success());
    assert!(!saved.exists());
    assert!(
        !std::fs::read_to_string(home.dir.join("config.toml"))
            .unwrap()
            .contains("[profiles.pc]")
    );
}

#[test]
fn replacing_a_profile_keeps_its_token_only_for_the_same_server() {
    let mut home = Home::new("force");
    home.add("rc", "ringcentral", "rc-id", "http://127.0.0.1:1", &[]);
    let received = now_secs() * 1000;
    home.store_token(
        "rc",
        json!({"access_token": "rc-kept-access", "received_at_ms": received}),
    );

    let out = home.run(&[
        "profile",
        "add",
        "rc",
        "--provider",
        "ringcentral",
        "--client-id",
        "x",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an existing profile needs --force"
    );
    let more = ["--force", "--scope", "ReadAccounts"];
    home.add("rc", "ringcentral", "rc-id", "http://127.0.0.1:1", &more);
    assert_eq!(
        home.ok(&["token", "rc"]).trim(),
        "rc-kept-access",
        "same app: kept"
    );
    home.add(
        "rc",
        "ringcentral",
        "other-app",
        "http://127.0.0.1:1",
        &["--force"],
    );
    assert!(home.transcript.contains("Forgot the token of the old `rc`"));
    assert_eq!(
        home.run(&["token", "rc"]).status.code(),
        Some(4),
        "another app: forgotten"
    );
    home.assert_clean(&["rc-kept-access"]);
}
