//! PostgresStore over TLS (`sslmode=require|verify-ca|verify-full`) against a real PostgreSQL
//! with `ssl=on` serving certificates this test makes (rcgen), and the refusal of plaintext
//! to hosts that are not loopback.
//!
//! PostgreSQL's binaries must be installed (see `tests/src/postgres.rs`): their absence fails
//! the tests.

#![cfg(feature = "postgres")]

use oauth_core::{StoreError, StoreErrorKind};
use oauth_lifecycle::store::{PostgresStore, TlsOptions, TokenStore};
use oauth_sdk_tests::PostgresServer;
use oauth_sdk_tests::postgres_tls::PostgresTlsServer;
use oauth_sdk_tests::store_contract;
use oauth_sdk_tests::tls::TestCa;

/// A key=value connection string to the server's port: TLS checks the certificate against
/// `host` while the connection goes to 127.0.0.1 (`hostaddr`), so a wrong name needs no DNS.
fn url(port: u16, host: &str, sslmode: &str, app: &str) -> String {
    format!(
        "host={host} hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres \
         sslmode={sslmode} application_name={app}"
    )
}

async fn connect(url: &str, table: &str, tls: &TlsOptions) -> Result<PostgresStore, StoreError> {
    let store = PostgresStore::connect_with(url, table, tls).await?;
    store.migrate().await?;
    Ok(store)
}

/// A server whose certificate a new CA signed for `localhost` and `127.0.0.1`, and options
/// trusting that CA.
async fn trusted_server() -> (PostgresTlsServer, TlsOptions) {
    let ca = TestCa::new("oauth-core test CA");
    let server = PostgresTlsServer::start(&ca.issue(&["localhost", "127.0.0.1"])).await;
    (server, TlsOptions::new().root_ca_pem(ca.pem()).unwrap())
}

#[tokio::test]
async fn verify_full_with_the_given_root_ca_loads_writes_and_locks_over_tls() {
    let (server, tls) = trusted_server().await;
    let port = server.port();
    // The certificate names both: the name and the address each pass the check.
    let by_name = connect(
        &url(port, "localhost", "verify-full", "by-name"),
        "by_name",
        &tls,
    )
    .await
    .unwrap();
    store_contract::round_trip_keeps_every_field(&by_name, "by-name").await;
    let full = url(port, "127.0.0.1", "verify-full", "full");
    let store = connect(&full, "tokens", &tls).await.unwrap();
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store,
        "postgres-tls",
        "\"tokens\"[acct]",
    )
    .await;
    let other_process = connect(&full, "tokens", &tls).await.unwrap();
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(
        &store,
        &other_process,
    )
    .await;
    // The server saw every session of these stores over TLS.
    for app in ["by-name", "full"] {
        let (sessions, over_tls) = server.sessions(app).await;
        assert!(sessions > 0, "{app}: no session");
        assert_eq!(over_tls, sessions, "{app}: a session without TLS");
    }
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_name_which_verify_ca_accepts() {
    let (server, tls) = trusted_server().await;
    let port = server.port();
    let wrong = url(port, "db.wrong-name.test", "verify-full", "wrong");
    let e = connect(&wrong, "tokens", &tls).await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
    assert!(e.message.contains("not valid for name"), "{}", e.message);
    // Same certificate, same CA: only the name check differs.
    for sslmode in ["verify-ca", "require"] {
        let app = format!("any-name-{sslmode}");
        let url = url(port, "db.wrong-name.test", sslmode, &app);
        let store = connect(&url, "tokens", &tls).await.unwrap();
        assert!(store.load("acct").await.unwrap().is_none(), "{sslmode}");
        let (sessions, over_tls) = server.sessions(&app).await;
        assert!(
            sessions > 0 && over_tls == sessions,
            "{sessions} {over_tls}"
        );
    }
}

#[tokio::test]
async fn a_password_is_exchanged_with_channel_binding() {
    let (mut server, tls) = trusted_server().await;
    server.require_password("app", "app-pw").await;
    let port = server.port();
    let login = |password: &str, sslmode: &str| {
        format!(
            "host=localhost hostaddr=127.0.0.1 port={port} user=app password={password} \
             dbname=postgres sslmode={sslmode} channel_binding=require application_name=bound"
        )
    };
    // `channel_binding=require`: SCRAM-SHA-256-PLUS or no session at all. The server checks
    // the binding against its own certificate, under `verify-full` as under `require` (which
    // checks no certificate, and where the binding is what stops a relay).
    for (sslmode, tls) in [("verify-full", &tls), ("require", &TlsOptions::new())] {
        let store = connect(
            &login("app-pw", sslmode),
            &format!("bound_{}", sslmode.len()),
            tls,
        )
        .await
        .unwrap_or_else(|e| panic!("{sslmode}: {e}"));
        store_contract::round_trip_keeps_every_field(&store, sslmode).await;
    }
    // The password is checked (the SCRAM line is in force), and not quoted.
    let e = connect(&login("not-the-pw", "verify-full"), "bound", &tls)
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io, "{}", e.message);
    assert!(!e.message.contains("not-the-pw"), "{}", e.message);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_as_insecure() {
    let trusted = TestCa::new("the CA the client trusts");
    let other = TestCa::new("another CA");
    let server = PostgresTlsServer::start(&other.issue(&["localhost", "127.0.0.1"])).await;
    let port = server.port();
    let given = TlsOptions::new().root_ca_pem(trusted.pem()).unwrap();
    // With a root CA given, `require` checks the chain too (as libpq with a root file).
    for sslmode in ["verify-full", "verify-ca", "require"] {
        let e = connect(
            &url(port, "localhost", sslmode, "refused"),
            "tokens",
            &given,
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Insecure, "{sslmode}: {}", e.message);
        assert!(e.message.contains("UnknownIssuer"), "{}", e.message);
    }
    // The system's roots never hold a test's CA.
    let e = connect(
        &url(port, "localhost", "verify-full", "refused"),
        "tokens",
        &TlsOptions::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
    // `require` without a root CA is libpq's: encrypted, the certificate unchecked.
    let store = connect(
        &url(port, "localhost", "require", "unchecked"),
        "tokens",
        &TlsOptions::new(),
    )
    .await
    .unwrap();
    assert!(store.load("acct").await.unwrap().is_none());
    let (sessions, over_tls) = server.sessions("unchecked").await;
    assert!(
        sessions > 0 && over_tls == sessions,
        "{sessions} {over_tls}"
    );
}

#[tokio::test]
async fn plaintext_is_refused_to_hosts_that_are_not_loopback_and_tls_never_falls_back() {
    let server = PostgresServer::start();
    let port = server.port();
    // Loopback plaintext works as before (`prefer`, the default, does not try TLS here).
    let store = connect(&server.url(), "tokens", &TlsOptions::new())
        .await
        .unwrap();
    store_contract::round_trip_keeps_every_field(&store, "loopback").await;

    // 0.0.0.0 is not a loopback address, so the URL is refused before any connection. Were
    // it not, Linux would connect it to this machine's own server (never off the machine).
    let unspecified = format!("postgres://postgres:secret-pw@0.0.0.0:{port}/postgres");
    for url in [
        unspecified.clone(),
        format!("{unspecified}?sslmode=disable"),
    ] {
        let e = PostgresStore::connect(&url, "tokens").await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
        assert!(e.message.contains("`0.0.0.0`"), "{}", e.message);
        assert!(!e.message.contains("secret-pw"), "{}", e.message);
    }
    let opted_in = TlsOptions::new().allow_plaintext_remote();
    let store = connect(&unspecified, "opted_in", &opted_in).await.unwrap();
    store_contract::round_trip_keeps_every_field(&store, "opted-in").await;

    // This server has no TLS: `require` fails rather than falling back to plaintext.
    let e = connect(
        &url(port, "localhost", "require", "no-tls"),
        "tokens",
        &TlsOptions::new(),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("TLS"), "{}", e.message);
}
