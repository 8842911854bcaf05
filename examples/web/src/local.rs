//! The local stand-ins for the providers: the project's oidc-provider server
//! (`tests/oidc-server`), one process per provider profile, each with this app's callback as
//! its client's only redirect URI.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::providers::{Connector, ProviderId};

/// A running server; stopped when dropped (and by itself when this process exits, as its
/// stdin closes).
pub struct LocalServer {
    _child: Child,
}

/// Starts one server per provider and returns a connector for each.
pub async fn start_all(
    app_base: &str,
    token_ttl: u64,
) -> Result<(Vec<Connector>, Vec<LocalServer>), Box<dyn std::error::Error>> {
    let dir = server_dir();
    install_npm_packages(&dir).await?;
    let mut connectors = Vec::new();
    let mut servers = Vec::new();
    for id in ProviderId::ALL {
        let redirect_uri = id.redirect_uri(app_base);
        let (server, base) = start(&dir, id, &redirect_uri, token_ttl).await?;
        eprintln!("{}: local server {base}", id.name());
        connectors.push(Connector::local(id, &base, app_base)?);
        servers.push(server);
    }
    Ok((connectors, servers))
}

async fn start(
    dir: &Path,
    id: ProviderId,
    redirect_uri: &str,
    token_ttl: u64,
) -> Result<(LocalServer, String), Box<dyn std::error::Error>> {
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(dir)
        .env("E2E_OIDC_PORT", "0")
        .env("E2E_OIDC_PROFILE", id.slug())
        .env("E2E_REDIRECT_URI", redirect_uri)
        .env("E2E_ACCESS_TOKEN_TTL", token_ttl.to_string())
        .env_remove("E2E_CALCOM_SHAPE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // oidc-provider's notices (in-memory adapter, development keys) are expected here.
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run node (Node.js 20 or later is needed): {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let wait = async {
        while let Some(line) = lines.next_line().await? {
            if let Some(base) = line.strip_prefix("listening ") {
                return Ok(base.trim().to_owned());
            }
        }
        Err(std::io::Error::other("the server exited before listening"))
    };
    let base = tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .map_err(|_| format!("the {} server did not start within 30 s", id.name()))??;
    Ok((LocalServer { _child: child }, base))
}

/// `tests/oidc-server` of this repository, or `OIDC_SERVER_DIR`.
fn server_dir() -> PathBuf {
    std::env::var_os("OIDC_SERVER_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-server"),
        PathBuf::from,
    )
}

/// `npm ci` once (the tests' stamp: skipped when `node_modules` matches the lock file).
async fn install_npm_packages(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let lock = tokio::fs::read(dir.join("package-lock.json"))
        .await
        .map_err(|e| format!("{}: {e}", dir.join("package-lock.json").display()))?;
    let stamp = dir.join("node_modules").join(".installed-from-lock.json");
    if tokio::fs::read(&stamp).await.is_ok_and(|s| s == lock) {
        return Ok(());
    }
    eprintln!("npm ci in {} (once)...", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        // Stdout is for the one `listening` line; npm's summary is not it.
        .stdout(Stdio::null())
        .status()
        .await
        .map_err(|e| format!("cannot run npm (Node.js 20 or later is needed): {e}"))?;
    if !status.success() {
        return Err(format!("npm ci failed in {}", dir.display()).into());
    }
    tokio::fs::write(&stamp, lock).await?;
    Ok(())
}
