//! RingCentral client authentication in profiles (`--client-auth`, `--key`, `--key-id`): what
//! `profile add` and `profile set` refuse, what they store (the key file's path, never the key),
//! and a sign-in whose ID token fails its nonce check, against httpmock: the login fails with
//! exit 6 and nothing is stored, although the token endpoint answered with a token.

mod common;
#[allow(dead_code, reason = "the shared helpers are not all needed here")]
mod e2e;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{CliHome as Home, http_client};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use ringcentral_oauth::oauth_jwt::{self, SigningKey};
use serde_json::{Value, json};

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/oidc-server/keys")
        .join(name)
}

/// The test RSA key as a private JWK (its public members serve as the provider's key set).
fn rsa_jwk() -> Value {
    serde_json::from_str(&std::fs::read_to_string(key_file("client-rs256.jwk.json")).unwrap())
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn profiles_take_a_key_file_path_and_refuse_what_does_not_fit() {
    let mut home = Home::new("client-auth-profiles");
    let pem = key_file("client-rs256.pem");
    let pem = pem.to_str().unwrap();
    let refused = |home: &mut Home, provider: &str, more: &[&str], says: &str| {
        let out = home.profile_add("x", provider, more);
        assert_eq!(out.status.code(), Some(2), "{more:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{more:?}: {}", stderr(&out));
    };
    refused(
        &mut home,
        "procore",
        &["--client-auth", "private-key-jwt", "--key", pem],
        "for RingCentral profiles only",
    );
    refused(
        &mut home,
        "ringcentral",
        &["--client-auth", "private-key-jwt"],
        "needs --key FILE",
    );
    refused(
        &mut home,
        "ringcentral",
        &["--key", pem],
        "--key and --key-id are for --client-auth private-key-jwt",
    );
    refused(
        &mut home,
        "ringcentral",
        &["--client-auth", "client-secret-jwt"],
        "--client-auth client-secret-jwt needs a client secret",
    );
    refused(
        &mut home,
        "ringcentral",
        &[
            "--client-auth",
            "private-key-jwt",
            "--key",
            "/no/such/key.pem",
        ],
        "/no/such/key.pem",
    );
    // A file that is no private key (a public JWK): named, its contents not repeated.
    let public = home.dir.join("public.jwk");
    std::fs::create_dir_all(&home.dir).unwrap();
    let jwk = rsa_jwk();
    let n = jwk["n"].as_str().unwrap();
    std::fs::write(
        &public,
        json!({"kty": "RSA", "n": n, "e": "AQAB"}).to_string(),
    )
    .unwrap();
    let public = public.to_str().unwrap();
    let out = home.profile_add(
        "x",
        "ringcentral",
        &["--client-auth", "private-key-jwt", "--key", public],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("public.jwk") && stderr(&out).contains("JWK"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(&n[..24]), "{}", stderr(&out));
    assert!(
        !home.dir.join("config.toml").exists(),
        "nothing refused was written"
    );

    let out = home.profile_add(
        "rc",
        "ringcentral",
        &[
            "--client-auth",
            "private-key-jwt",
            "--key",
            pem,
            "--key-id",
            "client-rs256",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(home.dir.join("config.toml")).unwrap();
    assert!(
        config.contains("client_auth = \"private-key-jwt\"")
            && config.contains(&format!("key_file = \"{pem}\""))
            && config.contains("key_id = \"client-rs256\""),
        "{config}"
    );
    let key_text = std::fs::read_to_string(pem).unwrap();
    let body = key_text.lines().nth(1).unwrap();
    assert!(
        !config.contains(body),
        "the key stays in its file: {config}"
    );
    let listed = home.ok(&["profile", "list"]);
    assert!(
        listed.contains(&format!(
            "\tsecret=none\tclient_auth=private_key_jwt\tkey={pem}\tkey_id=client-rs256"
        )),
        "{listed}"
    );

    // Switching to a secret method drops the key; Basic needs no flag.
    home.ok(&[
        "profile",
        "set",
        "rc",
        "--client-auth",
        "client-secret-jwt",
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
    ]);
    let config = std::fs::read_to_string(home.dir.join("config.toml")).unwrap();
    assert!(
        !config.contains("key_file") && !config.contains("key_id"),
        "{config}"
    );
    let listed = home.ok(&["profile", "list"]);
    assert!(
        listed
            .trim_end()
            .ends_with("\tclient_auth=client_secret_jwt"),
        "{listed}"
    );
    // The test secret is 16 bytes: HS256 wants 32, which the library says at first use.
    let out = home.run(&["profile", "check", "rc"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("at least 32 bytes"),
        "{}",
        stderr(&out)
    );
    home.assert_clean(&[body]);
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn an_id_token_with_another_nonce_fails_the_login_and_nothing_is_stored() {
    let server = MockServer::start_async().await;
    let issuer = server.base_url();
    let jwk = rsa_jwk();
    let provider_key =
        SigningKey::from_pem(&std::fs::read_to_string(key_file("client-rs256.pem")).unwrap())
            .unwrap()
            .with_kid("provider");
    server.mock(|when, then| {
        when.method(GET).path("/.well-known/openid-configuration");
        then.status(200).json_body(json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/restapi/oauth/jwks"),
            "id_token_signing_alg_values_supported": ["RS256"],
        }));
    });
    server.mock(|when, then| {
        when.method(GET).path("/restapi/oauth/jwks");
        then.status(200).json_body(json!({"keys": [{
            "kty": "RSA", "kid": "provider", "alg": "RS256", "use": "sig",
            "n": jwk["n"], "e": jwk["e"],
        }]}));
    });
    // Signed right, for this client, fresh: only the nonce is not the request's.
    let id_token = oauth_jwt::sign(
        &provider_key,
        &json!({"iss": issuer, "sub": "400131", "aud": "rc-app", "iat": now_secs() - 5,
                "exp": now_secs() + 300, "nonce": "another-login's-nonce"}),
    )
    .unwrap();
    // The client authenticates with an ES256 assertion: no Basic header, no secret.
    let exchange = server.mock(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .header_missing("authorization")
            .form_urlencoded_tuple(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .form_urlencoded_tuple_exists("client_assertion")
            .form_urlencoded_tuple("code", "rc-code");
        then.status(200).json_body(json!({
            "access_token": "rc-access", "token_type": "bearer", "expires_in": 3600,
            "refresh_token": "rc-refresh", "refresh_token_expires_in": 604800,
            "scope": "openid", "id_token": id_token,
        }));
    });

    let mut home = Home::new("client-auth-nonce");
    let port = oauth_sdk_tests::free_port();
    let redirect = format!("http://127.0.0.1:{port}/cb");
    let key = key_file("client-es256.jwk.json");
    let out = home.profile_add_as(
        "rc",
        "ringcentral",
        "rc-app",
        &[
            "--base-url",
            &issuer,
            "--redirect-uri",
            &redirect,
            "--scope",
            "openid",
            "--client-auth",
            "private-key-jwt",
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = home
        .command(&["login", "rc", "--timeout", "30"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = e2e::Stderr::of(&mut child);
    let url = lines.authorization_url();
    let query: std::collections::BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(query["nonce"].len() >= 22, "a sign-in request: {url}");
    let page = http_client()
        .get(format!("{redirect}?code=rc-code&state={}", query["state"]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400, "the browser is told the login failed");
    let status = child.wait().unwrap();
    home.transcript += &lines.rest();
    assert_eq!(status.code(), Some(6), "{}", home.transcript);
    assert_eq!(exchange.calls(), 1, "the code was exchanged");
    assert!(
        home.transcript.contains(
            "oauth: the ID token failed verification (nonce check): the ID token's nonce does \
             not match the authorization request's; nothing was stored"
        ),
        "{}",
        home.transcript
    );
    let status = home.ok(&["status", "rc"]);
    assert!(
        status
            .trim_end()
            .ends_with("not logged in: run `oauth login rc`"),
        "{status}"
    );
    home.assert_clean(&["rc-access", "rc-refresh", "rc-code", &id_token]);
}
