//! `oauth` with RingCentral's JWT client authentication and OpenID Connect sign-in, end to end
//! against the oidc-provider server (`tests/oidc-server`), whose `e2e-secret-jwt` client
//! authenticates with `client_secret_jwt` (HS256 ID tokens) and `e2e-private-key-jwt` with
//! `private_key_jwt` (keys in `tests/oidc-server/keys`): a profile per method, `oauth login`
//! printing the verified ID token's subject, `profile check`, `oauth token` refreshing with a
//! fresh assertion, `status`, `profile list`, `revoke`. The server refuses a replayed or
//! wrongly signed assertion, so each step that succeeds was authenticated by the method named.
//!
//! Needs Node.js and npm, like `e2e_oidc_provider.rs`.

mod common;
mod e2e;

use std::path::PathBuf;

use common::CliHome;
use oauth_sdk_tests::{OidcServer, free_port};

/// The server's `client_secret_jwt` secret (`tests/oidc-server/server.mjs`).
const SECRET_JWT_SECRET: &str = "e2e client_secret_jwt secret, 32+ bytes long";

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/oidc-server/keys")
        .join(name)
}

/// The private parts of a test key as they appear in its file: none may reach the output.
fn key_material(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(key_file(name)).unwrap();
    if name.ends_with(".json") {
        let jwk: serde_json::Value = serde_json::from_str(&text).unwrap();
        return ["d", "p", "q", "dp", "dq", "qi"]
            .iter()
            .filter_map(|m| jwk[m].as_str().map(str::to_owned))
            .collect();
    }
    text.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

/// One client authentication method: the server's client and the profile's flags.
struct Case {
    method: &'static str,
    client_id: &'static str,
    flags: Vec<String>,
    secrets: Vec<String>,
}

/// `private_key_jwt` with the test key in `file`, naming `kid` when given.
fn private_key(file: &str, kid: Option<&str>) -> Case {
    let mut flags = vec![
        "--client-auth".to_owned(),
        "private-key-jwt".to_owned(),
        "--key".to_owned(),
        key_file(file).to_str().unwrap().to_owned(),
    ];
    if let Some(kid) = kid {
        flags.extend(["--key-id".to_owned(), kid.to_owned()]);
    }
    Case {
        method: "private_key_jwt",
        client_id: "e2e-private-key-jwt",
        flags,
        secrets: key_material(file),
    }
}

fn cases() -> Vec<Case> {
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        Case {
            method: "client_secret_jwt",
            client_id: "e2e-secret-jwt",
            // The file is written into the test's home before the profile is added.
            flags: s(&["--client-auth", "client-secret-jwt", "--client-secret-file"]),
            secrets: vec![SECRET_JWT_SECRET.to_owned()],
        },
        private_key("client-rs256.pem", Some("client-rs256")),
        // The JWK names its own kid.
        private_key("client-es256.jwk.json", None),
    ]
}

#[tokio::test]
async fn each_jwt_method_signs_in_checks_refreshes_and_revokes() {
    let port = free_port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let server = OidcServer::start_with_env(3, &[("E2E_REDIRECT_URI", &redirect_uri)]);
    let base = server.base_url().to_owned();
    for (i, case) in cases().into_iter().enumerate() {
        let mut cli = CliHome::new(&format!("e2e-jwt-{i}"));
        let mut flags = case.flags.clone();
        if flags.last().is_some_and(|f| f == "--client-secret-file") {
            let file = cli.dir.join("jwt-secret");
            std::fs::create_dir_all(&cli.dir).unwrap();
            std::fs::write(&file, SECRET_JWT_SECRET).unwrap();
            std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            flags.push(file.to_str().unwrap().to_owned());
        }
        let mut args: Vec<String> = ["profile", "add", "rc", "--provider", "ringcentral"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend(["--client-id".into(), case.client_id.into()]);
        args.extend(["--base-url".into(), base.clone()]);
        args.extend(["--redirect-uri".into(), redirect_uri.clone()]);
        args.extend(["--scope".into(), "openid email".into()]);
        args.extend(flags.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.ok(&args);
        let what = format!("{} ({})", case.method, flags.join(" "));

        // The config file names the key file, never the key.
        let config = std::fs::read_to_string(cli.dir.join("config.toml")).unwrap();
        for secret in &case.secrets {
            assert!(!config.contains(secret.as_str()), "{what}: {config}");
        }

        let listed = cli.ok(&["profile", "list"]);
        assert!(
            listed.contains(&format!("\tclient_auth={}", case.method)),
            "{what}: {listed}"
        );
        if case.method == "private_key_jwt" {
            assert!(listed.contains("\tkey=/"), "an absolute path: {listed}");
        }

        // The credentials are accepted without a browser (the made-up code is not).
        let check = cli.run(&["profile", "check", "rc"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{what}: {}",
            String::from_utf8_lossy(&check.stderr)
        );

        // The login: the sign-in request carries a nonce, the ID token is verified.
        let login = e2e::browser_login(&mut cli, "rc", &base, &redirect_uri).await;
        let query: std::collections::BTreeMap<_, _> =
            login.url.query_pairs().into_owned().collect();
        assert!(query["nonce"].len() >= 22, "{what}: a random nonce");
        assert_eq!(query["scope"], "openid email");
        assert!(
            login
                .stderr
                .contains("Signed in: subject alice <alice@example.com>, ID token verified"),
            "{what}: {}",
            login.stderr
        );
        let mut secrets = case.secrets.clone();
        secrets.push(login.code.clone());

        let status = cli.ok(&["status", "rc"]);
        assert!(
            status.starts_with(&format!(
                "rc\tringcentral\tproduction ({base}), {}\t",
                case.method
            )),
            "{what}: {status}"
        );

        // A refresh authenticated by a new assertion (a reused jti would be refused).
        let first = token(&mut cli);
        e2e::wait_for_expiry(&mut cli, "rc");
        let second = token(&mut cli);
        assert_ne!(first, second, "{what}: refreshed");
        assert_eq!(e2e::userinfo_status(&base, &second).await, 200, "{what}");

        cli.ok(&["revoke", "rc"]);
        assert_eq!(
            e2e::userinfo_status(&base, &second).await,
            401,
            "{what}: revoked at the server"
        );

        secrets.extend([first, second]);
        secrets.extend(e2e::stored_secrets(&cli, "rc"));
        cli.assert_clean(&secrets);
    }
}

/// `oauth token rc`.
fn token(cli: &mut CliHome) -> String {
    // `-vv`: the library's tracing joins the transcript checked for secrets.
    cli.ok(&["-vv", "token", "rc", "--min-lifetime", "0"])
        .trim()
        .to_owned()
}
