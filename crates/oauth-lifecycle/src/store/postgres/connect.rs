//! How the PostgreSQL store connects: libpq's `sslmode` values read from the connection
//! string, plaintext only where allowed, TLS through [`super::tls`].

use std::borrow::Cow;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};

use super::tls::{RustlsConnect, Verify};
use super::{POOL_SIZE, PostgresStore, WAIT};
use crate::store::tls::TlsOptions;
use oauth_core::error::{StoreError, StoreErrorKind};

impl PostgresStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/db?sslmode=verify-full` or
    /// the `key=value` form); tokens live in `table` (`name` or `schema.name`, each
    /// `[A-Za-z_][A-Za-z0-9_]*`).
    ///
    /// TLS as the URL's `sslmode` says, checked against the system's root certificates; a
    /// plaintext connection (`disable`, or `prefer`, the default) is refused unless its host
    /// is loopback. For a private CA or a trusted network, see [`Self::connect_with`].
    ///
    /// Opens up to 16 connections, waits at most 5 s for a free one or a new one, and gives
    /// up on an answer after 10 s. Checks that the server answers; does not create the table
    /// (see [`PostgresStore::migrate`]). For other pool settings, build a
    /// [`deadpool_postgres::Pool`] and use [`PostgresStore::from_pool`].
    pub async fn connect(url: &str, table: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, table, &TlsOptions::new()).await
    }

    /// Connects as [`Self::connect`], securing the connection as the URL's `sslmode` and
    /// `tls` say (rustls):
    ///
    /// - `verify-full`: the server's certificate must be signed by one of `tls`'s root CAs
    ///   (or the system's) and valid for the URL's host name. The one to use over a network.
    /// - `verify-ca`: signed by a trusted CA, for any host name.
    /// - `require`: as libpq, encrypted but unchecked, unless `tls` gives root CAs: then
    ///   checked as `verify-ca`.
    /// - `disable`, or `prefer` (the default; it does not try TLS here): plaintext, refused
    ///   with [`StoreErrorKind::Insecure`] before anything is sent when a host (or
    ///   `hostaddr`) is not loopback, unless `tls` says [`TlsOptions::allow_plaintext_remote`].
    ///
    /// A certificate that fails its check is [`StoreErrorKind::Insecure`], from this call or
    /// any later one (the pool connects lazily). Over TLS, a password is exchanged with
    /// channel binding (`SCRAM-SHA-256-PLUS`) when the server offers it, so that under
    /// `require` a server in the middle cannot relay it; `channel_binding=require` in the URL
    /// insists on it.
    ///
    /// ```no_run
    /// use oauth_lifecycle::store::{PostgresStore, TlsOptions};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read("/etc/app/db-ca.pem")?;
    /// let url = std::env::var("DATABASE_URL")?; // postgres://app@db.example:5432/app?sslmode=verify-full
    /// let store =
    ///     PostgresStore::connect_with(&url, "oauth_tokens", &TlsOptions::new().root_ca_pem(&ca)?)
    ///         .await?;
    /// # drop(store);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with(
        url: &str,
        table: &str,
        tls: &TlsOptions,
    ) -> Result<Self, StoreError> {
        let manager = manager(url, tls)?;
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| {
                StoreError::new(
                    StoreErrorKind::Io,
                    format!("postgres: could not build the pool: {e}"),
                )
            })?;
        let store = Self::from_pool(pool, table)?;
        drop(store.client("connect").await?);
        Ok(store)
    }
}

/// A pool manager for `url`, with TLS as its `sslmode` asks: `disable` and `prefer` (the
/// default) connect in plaintext, refused to a host that is not loopback unless `tls`
/// allows it; `require`, `verify-ca` and `verify-full` connect over rustls only.
fn manager(url: &str, tls: &TlsOptions) -> Result<Manager, StoreError> {
    let (url, verify_asked) = spell_verify_as_require(url);
    // The parser's message can quote the string, and with it a password.
    let mut config: tokio_postgres::Config = url.parse().map_err(|_| {
        StoreError::new(
            StoreErrorKind::Io,
            "postgres: the connection string is not valid (its text is not shown: it can \
             hold a password)",
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(WAIT);
    }
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    // Any mode but these two asks for TLS (a mode the driver may add is not plaintext).
    if matches!(config.get_ssl_mode(), SslMode::Disable | SslMode::Prefer) {
        for host in connected_hosts(&config) {
            tls.check_plaintext("postgres", &host)?;
        }
        return Ok(Manager::from_config(config, NoTls, manager_config));
    }
    let verify = match (verify_asked, tls.root_ca()) {
        (Some(verify), _) => verify,
        (None, Some(_)) => Verify::Chain,
        (None, None) => Verify::Nothing,
    };
    let connector = RustlsConnect::new(verify, tls)?;
    Ok(Manager::from_config(config, connector, manager_config))
}

/// tokio-postgres knows `disable`, `prefer` and `require` only: `verify-ca` and `verify-full`
/// are passed to it as `require`, and the check they ask for is returned, from the last
/// `sslmode` given (the one the parser keeps). Forms: `?sslmode=verify-full` (URL) and
/// `sslmode=verify-full`, `sslmode = 'verify-full'` (key=value).
fn spell_verify_as_require(url: &str) -> (Cow<'_, str>, Option<Verify>) {
    let mut out = String::new();
    let mut copied = 0;
    let mut verify = None;
    for (at, _) in url.match_indices("sslmode") {
        let starts_word = url[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c == '?' || c == '&' || c.is_whitespace());
        if !starts_word {
            continue;
        }
        let rest = &url[at + "sslmode".len()..];
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value_at = url.len() - rest.trim_start().trim_start_matches('\'').len();
        let value_len = url[value_at..]
            .find(|c: char| c == '&' || c == '\'' || c.is_whitespace())
            .unwrap_or(url.len() - value_at);
        let value = &url[value_at..value_at + value_len];
        verify = match value {
            "verify-full" => Some(Verify::ChainAndName),
            "verify-ca" => Some(Verify::Chain),
            _ => None,
        };
        if verify.is_some() {
            out.push_str(&url[copied..value_at]);
            out.push_str("require");
            copied = value_at + value_len;
        }
    }
    if copied == 0 {
        return (Cow::Borrowed(url), verify);
    }
    out.push_str(&url[copied..]);
    (Cow::Owned(out), verify)
}

/// The address each connection attempt goes to: `hostaddr` where given, else `host` (a Unix
/// socket stays on the machine and is left out).
fn connected_hosts(config: &tokio_postgres::Config) -> Vec<String> {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    (0..hosts.len().max(addrs.len()))
        .filter_map(|i| match (addrs.get(i), hosts.get(i)) {
            (Some(addr), _) => Some(addr.to_string()),
            (None, Some(Host::Tcp(host))) => Some(host.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_are_passed_as_require_and_remembered() {
        let cases = [
            (
                "postgres://u@h/db?sslmode=verify-full",
                "postgres://u@h/db?sslmode=require",
                Some(Verify::ChainAndName),
            ),
            (
                "postgres://u@h/db?application_name=a&sslmode=verify-ca&x=y",
                "postgres://u@h/db?application_name=a&sslmode=require&x=y",
                Some(Verify::Chain),
            ),
            (
                "host=h sslmode=verify-full user=u",
                "host=h sslmode=require user=u",
                Some(Verify::ChainAndName),
            ),
            (
                "host=h sslmode = 'verify-ca'",
                "host=h sslmode = 'require'",
                Some(Verify::Chain),
            ),
            // The last one counts, as for the parser.
            (
                "host=h sslmode=verify-full sslmode=disable",
                "host=h sslmode=require sslmode=disable",
                None,
            ),
            (
                "postgres://u@h/db?sslmode=require",
                "postgres://u@h/db?sslmode=require",
                None,
            ),
            // Not the parameter: a word that ends in it, or a password holding it.
            (
                "host=h password=xsslmode=verify-full",
                "host=h password=xsslmode=verify-full",
                None,
            ),
            ("postgres://u@h/db", "postgres://u@h/db", None),
        ];
        for (given, passed, verify) in cases {
            assert_eq!(
                spell_verify_as_require(given),
                (Cow::Borrowed(passed), verify),
                "{given}"
            );
        }
    }

    fn refused(url: &str, tls: &TlsOptions) -> Option<StoreError> {
        manager(url, tls).err()
    }

    // `manager` only prepares connections: none of these is ever connected to.
    #[test]
    fn plaintext_to_a_remote_host_is_refused_before_connecting() {
        let tls = TlsOptions::new();
        for url in [
            "postgres://u:password@db.example.com/app",
            "postgres://u@10.0.0.7/app?sslmode=disable",
            "postgres://u@10.0.0.7/app?sslmode=prefer",
            "host=db.example.com user=u",
            "host=localhost,db.example.com user=u",
            // hostaddr is where the connection goes, whatever the host's name.
            "host=localhost hostaddr=192.0.2.1 user=u",
        ] {
            let e = refused(url, &tls).unwrap_or_else(|| panic!("{url} was accepted"));
            assert_eq!(e.kind, StoreErrorKind::Insecure, "{url}: {}", e.message);
            assert!(!e.message.contains("password"), "{}", e.message);
            assert!(
                refused(url, &tls.clone().allow_plaintext_remote()).is_none(),
                "{url}"
            );
        }
        for url in [
            "postgres://u@127.0.0.1/app",
            "postgres://u@localhost/app?sslmode=disable",
            "host=/run/postgresql user=u",
            "host=db.example.com hostaddr=127.0.0.1 user=u",
            "postgres://u@db.example.com/app?sslmode=require",
        ] {
            assert!(refused(url, &tls).is_none(), "{url}");
        }
    }

    #[test]
    fn a_connection_string_that_does_not_parse_is_not_quoted() {
        let e = refused(
            "postgres://u:hunter2@h/db?sslmode=verify-everything",
            &TlsOptions::new(),
        )
        .unwrap();
        assert_eq!(e.kind, StoreErrorKind::Io);
        assert!(!e.message.contains("hunter2"), "{}", e.message);
    }
}
