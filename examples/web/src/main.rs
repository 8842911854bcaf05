//! An example web application on the provider crates: a page listing RingCentral, Cal.com,
//! Procore and Sunshine Conversations with a connect button each, the callback that checks the
//! redirect and exchanges the code, the connection stored (files by default, PostgreSQL with
//! `--postgres`), a page that calls one API path with the connection's authorized client, and
//! a disconnect button that revokes.
//!
//! ```sh
//! cargo run -p oauth-web-example            # against local oidc-provider servers, no account needed
//! ```
//!
//! Without provider credentials in the environment (or with `--local`) it starts the
//! project's own OAuth server (`tests/oidc-server`, Node.js) once per provider, in that
//! provider's profile, and connects to those; sign in there as any user name. With
//! `RINGCENTRAL_CLIENT_ID` and `RINGCENTRAL_CLIENT_SECRET` (likewise `CALCOM_`, `PROCORE_`,
//! `SUNSHINE_`) it talks to the real providers configured so, and the redirect URI to register
//! is `http://127.0.0.1:<port>/callback/<provider>`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod local;
mod pages;
mod providers;
mod routes;
mod session;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use oauth_lifecycle::pending::SealingKey;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "Connect an account of each provider from a web page (an example)."
)]
struct Args {
    /// Start the local oidc-provider servers and connect to them (the default when no
    /// provider credentials are set).
    #[arg(long)]
    local: bool,
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Where the connections are stored (a FileStore directory).
    #[arg(long, default_value = "target/web-example/tokens")]
    store_dir: PathBuf,
    /// Store the connections in PostgreSQL instead (a `postgres://` URL; needs the `postgres`
    /// feature).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Access token lifetime of the local servers, in seconds.
    #[arg(long, default_value_t = 3600)]
    local_token_ttl: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oauth-web-example: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let configured = providers::from_env(&base)?;
    // The local servers live as long as this value; they also exit when this process does
    // (their stdin is a pipe from it).
    let (connectors, _servers) = if args.local || configured.is_empty() {
        eprintln!("starting the local oidc-provider servers (one per provider)...");
        local::start_all(&base, args.local_token_ttl).await?
    } else {
        (configured, Vec::new())
    };
    let store = store::open(&args.store_dir, args.postgres.as_deref()).await?;
    // One key for every replica in production (the callback may reach another one); a
    // random one here, since a restart only loses authorizations in flight.
    let key = match std::env::var("WEB_EXAMPLE_KEY") {
        Ok(text) => SealingKey::from_base64(&text)?,
        Err(_) => SealingKey::generate(),
    };
    let app = routes::router(Arc::new(routes::App::new(connectors, store, key)));
    // The tests read this line for the address.
    println!("listening {base}");
    eprintln!("open {base}/ in a browser; Ctrl-C stops");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
