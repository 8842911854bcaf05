//! A [`PostgresServer`] with TLS on (`ssl=on`), serving a certificate the test made.

use std::time::{Duration, Instant};

use tokio_postgres::NoTls;

use crate::PostgresServer;
use crate::postgres::running_as_root;
use crate::tls::{CertFiles, ServerCert};

/// A running server that accepts TLS (and plaintext, for the test's own look at it).
pub struct PostgresTlsServer {
    server: PostgresServer,
    /// Kept until the server is gone.
    files: CertFiles,
}

impl PostgresTlsServer {
    /// Starts a server, turns TLS on with `cert` (`ALTER SYSTEM`, then a configuration
    /// reload), and waits until new sessions see `ssl` on. Missing binaries fail the test as
    /// in [`PostgresServer::start`].
    pub async fn start(cert: &ServerCert) -> Self {
        let server = PostgresServer::start();
        // The server reads its key only from a file its own user owns.
        let files = CertFiles::write(cert, running_as_root().then_some("postgres"));
        let session = admin(&server).await;
        let settings = [
            ("ssl_cert_file", files.cert()),
            ("ssl_key_file", files.key()),
        ];
        for (name, path) in settings {
            let path = path.to_str().expect("a UTF-8 temporary path");
            assert!(!path.contains('\''), "{path}");
            // One statement each: ALTER SYSTEM refuses to run inside a transaction block.
            session
                .batch_execute(&format!("ALTER SYSTEM SET {name} = '{path}'"))
                .await
                .expect("set the certificate files");
        }
        session
            .batch_execute("ALTER SYSTEM SET ssl = on")
            .await
            .expect("turn ssl on");
        session
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .expect("reload the configuration");
        // The postmaster reloads asynchronously; each new session forks from it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let row = admin(&server)
                .await
                .query_one("SHOW ssl", &[])
                .await
                .expect("SHOW ssl");
            if row.get::<_, String>(0) == "on" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "ssl did not turn on within 10 s (a key file the server cannot read? see the \
                 server log beside its data directory)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self { server, files }
    }

    /// Makes `role` (with `password`, and the right to create tables in `public`) log in over
    /// TLS with SCRAM-SHA-256 only, every other session keeping trust authentication: a new
    /// `pg_hba.conf` (`hba_file`), in force after a restart.
    pub async fn require_password(&mut self, role: &str, password: &str) {
        let session = admin(&self.server).await;
        session
            .batch_execute(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD '{password}'; \
                 GRANT CREATE ON SCHEMA public TO {role}"
            ))
            .await
            .expect("create the role");
        let hba = self.files.dir().join("pg_hba.conf");
        std::fs::write(
            &hba,
            format!(
                "hostssl all {role} 127.0.0.1/32 scram-sha-256\n\
                 host all all 127.0.0.1/32 trust\n"
            ),
        )
        .expect("write pg_hba.conf");
        let hba = hba.to_str().expect("a UTF-8 temporary path");
        session
            .batch_execute(&format!("ALTER SYSTEM SET hba_file = '{hba}'"))
            .await
            .expect("set hba_file");
        drop(session);
        self.server.restart();
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The sessions whose `application_name` is `name`: how many, and how many of them are
    /// over TLS (`pg_stat_ssl`), as the server sees them.
    pub async fn sessions(&self, name: &str) -> (i64, i64) {
        let row = admin(&self.server)
            .await
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
                 FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
                 WHERE a.application_name = $1",
                &[&name],
            )
            .await
            .expect("read pg_stat_ssl");
        (row.get(0), row.get(1))
    }
}

/// A plaintext session of the test's own, as the `postgres` superuser.
pub async fn admin(server: &PostgresServer) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server.url(), NoTls)
        .await
        .expect("an admin session");
    tokio::spawn(connection);
    client
}
