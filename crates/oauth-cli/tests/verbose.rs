//! `-v`: a line for the decision `oauth token` takes, for each request (method, full URL,
//! status, time) and for the refresh, against httpmock; nothing without `-v`, and no secret
//! either way.

#[allow(dead_code, reason = "these tests need no HTTP client of their own")]
mod common;

use common::CliHome as Home;
use httpmock::Method::POST;
use httpmock::MockServer;
use serde_json::json;

/// A stored RingCentral token for profile `rc` whose access token expired an hour ago.
fn expired_token(home: &Home) {
    let received = common::now_ms() - 7_200_000;
    home.store_token(
        "rc",
        json!({"access_token": "rc-v-old-access", "refresh_token": "rc-v-old-refresh",
               "expires_at_ms": received + 3_600_000, "received_at_ms": received}),
    );
}

#[test]
fn v_shows_the_decision_each_request_and_the_refresh() {
    let server = MockServer::start();
    let refresh = server.mock(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .body_includes("refresh_token=rc-v-old-refresh");
        then.status(200).json_body(json!({
            "access_token": "rc-v-new-access", "token_type": "bearer", "expires_in": 3600,
            "refresh_token": "rc-v-new-refresh", "refresh_token_expires_in": 86400,
        }));
    });
    let mut home = Home::new("verbose");
    home.add("rc", "ringcentral", "rc-id", &server.base_url(), &[]);
    expired_token(&home);

    let out = home.run(&["-v", "token", "rc"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "rc-v-new-access"
    );
    assert_eq!(refresh.calls(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(
        lines[0],
        "oauth: the stored token has less than --min-lifetime 60s left: renewing it \
         (profile=rc, how=Refresh)"
    );
    let request = format!(
        "oauth: POST {}/restapi/oauth/token -> HTTP 200 in ",
        server.base_url()
    );
    assert!(
        lines[1].starts_with(&request) && lines[1].contains(" ms ("),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with("oauth: refresh of `rc` (ringcentral): refreshed in "),
        "{stderr}"
    );

    // A fresh token: the decision, and no request.
    let out = home.run(&["-v", "token", "rc"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("oauth: the stored token has more than --min-lifetime 60s left"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(refresh.calls(), 1);
    // Without -v: nothing on stderr.
    let out = home.run(&["token", "rc"]);
    assert!(out.stderr.is_empty());
    home.assert_clean(&[
        "rc-v-old-access",
        "rc-v-old-refresh",
        "rc-v-new-access",
        "rc-v-new-refresh",
    ]);
}
