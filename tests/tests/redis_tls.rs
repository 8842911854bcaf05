//! RedisStore over TLS against a real `redis-server --tls-port` serving certificates this test
//! makes (rcgen), and the refusal of plaintext to hosts that are not loopback.
//!
//! `redis-server` (built with TLS, as Debian's is) must be installed: its absence fails the
//! tests.

#![cfg(feature = "redis")]

use oauth_core::StoreErrorKind;
use oauth_lifecycle::store::{RedisStore, TlsOptions, TokenStore};
use oauth_sdk_tests::redis_tls::RedisTlsServer;
use oauth_sdk_tests::store_contract;
use oauth_sdk_tests::tls::TestCa;

/// A store under `prefix` (each store contract uses the key `acct`).
async fn connect(
    url: &str,
    prefix: &str,
    tls: &TlsOptions,
) -> Result<RedisStore, oauth_core::StoreError> {
    RedisStore::connect_with(
        url,
        prefix,
        tls,
        RedisStore::CONNECT_TIMEOUT,
        RedisStore::COMMAND_TIMEOUT,
    )
    .await
}

#[tokio::test]
async fn rediss_with_the_given_root_ca_loads_writes_and_locks() {
    let ca = TestCa::new("oauth-core test CA");
    let server = RedisTlsServer::start(&ca.issue(&["127.0.0.1", "localhost"]));
    let tls = TlsOptions::new().root_ca_pem(ca.pem()).unwrap();
    // The certificate names both: the address and the name each pass the check.
    for host in ["127.0.0.1", "localhost"] {
        let store = connect(&server.tls_url(host), host, &tls).await.unwrap();
        store_contract::round_trip_keeps_every_field(&store, host).await;
    }
    let url = server.tls_url("127.0.0.1");
    let store = connect(&url, "t", &tls).await.unwrap();
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store,
        "redis-tls",
        "t:token:acct",
    )
    .await;
    let other_process = connect(&url, "t", &tls).await.unwrap();
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(
        &store,
        &other_process,
    )
    .await;

    // What went over TLS is in the server, as read on its plaintext port.
    let mut plain = server.connection().await;
    let doc: Vec<u8> = redis::cmd("GET")
        .arg("t:token:acct")
        .query_async(&mut plain)
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let access = doc["token"]["access_token"].as_str().unwrap();
    assert!(access.starts_with("redis-tls-access-"), "{access}");
    // The TLS port speaks nothing else: a plaintext client gets no answer from it.
    let tls_port_as_plain = server.tls_url("127.0.0.1").replacen("rediss", "redis", 1);
    let e = RedisStore::connect_with_timeouts(
        &tls_port_as_plain,
        "t",
        std::time::Duration::from_millis(500),
        std::time::Duration::from_millis(500),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io, "{}", e.message);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_as_insecure() {
    let trusted = TestCa::new("the CA the client trusts");
    let other = TestCa::new("another CA");
    let server = RedisTlsServer::start(&other.issue(&["127.0.0.1", "localhost"]));
    let given = TlsOptions::new().root_ca_pem(trusted.pem()).unwrap();
    // Neither the given root nor the system's (which never hold a test's CA) sign it.
    for tls in [given, TlsOptions::new()] {
        let e = connect(&server.tls_url("127.0.0.1"), "t", &tls)
            .await
            .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
        assert!(
            e.message.contains("certificate") && e.message.contains("UnknownIssuer"),
            "{}",
            e.message
        );
    }
    // The same server, with its own CA given, is fine: it was the CA that was refused.
    let own = TlsOptions::new().root_ca_pem(other.pem()).unwrap();
    let store = connect(&server.tls_url("127.0.0.1"), "t", &own)
        .await
        .unwrap();
    assert!(store.load("acct").await.unwrap().is_none());
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_as_insecure() {
    let ca = TestCa::new("oauth-core test CA");
    // Signed by the trusted CA, but for `localhost` only: not for the address 127.0.0.1.
    let server = RedisTlsServer::start(&ca.issue(&["localhost"]));
    let tls = TlsOptions::new().root_ca_pem(ca.pem()).unwrap();
    let e = connect(&server.tls_url("127.0.0.1"), "t", &tls)
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
    assert!(e.message.contains("not valid for name"), "{}", e.message);
    let store = connect(&server.tls_url("localhost"), "t", &tls)
        .await
        .unwrap();
    assert!(store.load("acct").await.unwrap().is_none());
}

#[tokio::test]
async fn plaintext_is_refused_to_hosts_that_are_not_loopback_unless_opted_in() {
    let ca = TestCa::new("oauth-core test CA");
    let server = RedisTlsServer::start(&ca.issue(&["127.0.0.1"]));
    // Loopback plaintext works as before.
    let store = RedisStore::connect(&server.plain_url(), "t").await.unwrap();
    store_contract::round_trip_keeps_every_field(&store, "loopback").await;

    // 0.0.0.0 is not a loopback address, so the URL is refused before any connection. Were
    // it not, Linux would connect it to this machine's own server (never off the machine).
    let unspecified = format!("redis://0.0.0.0:{}/", server.plain_port());
    let with_password = unspecified.replacen("//", "//:secret-pw@", 1);
    let e = RedisStore::connect(&with_password, "t").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Insecure, "{}", e.message);
    assert!(e.message.contains("`0.0.0.0`"), "{}", e.message);
    assert!(!e.message.contains("secret-pw"), "{}", e.message);
    // Nothing reached the server: it saw only the loopback store's connection.
    let mut plain = server.connection().await;
    let clients: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut plain)
        .await
        .unwrap();
    assert_eq!(clients.lines().count(), 2, "{clients}");

    let opted_in = TlsOptions::new().allow_plaintext_remote();
    let store = connect(&unspecified, "opted-in", &opted_in).await.unwrap();
    store_contract::round_trip_keeps_every_field(&store, "opted-in").await;
}
