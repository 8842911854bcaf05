//! `oauth`: log in to Procore, Cal.com, Sunshine Conversations or RingCentral from a terminal,
//! print a fresh access token for `curl`, show what is stored, revoke.
//!
//! Built on the SDK's public API only: the provider crates' clients and authorization requests,
//! `oauth_core::TokenSource` for refreshes, and `oauth_core::store::FileStore` for tokens (in
//! `oauth_core::store::EncryptedStore` when `OAUTH_CLI_KEY` is set), so a program using the
//! library can read what the CLI stored and the other way round.

// A command line's output is its interface: data goes to stdout, messages to stderr, through
// the two macros below and nowhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod config;
mod error;
mod files;
mod loopback;
mod paths;
mod provider;
mod secrets;
mod store;

use std::process::ExitCode;

use clap::Parser;

/// A message for the user, on stderr.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { eprintln!($($arg)*) };
}

/// Data, on stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { println!($($arg)*) };
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say!("oauth: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("oauth: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `-v`: what the SDK's crates trace (their spans and events name providers, keys and outcomes,
/// never a secret), on stderr. The HTTP stack's own tracing stays off: it would show headers.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let level = match verbose {
        0 => return,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let targets = Targets::new()
        .with_target("oauth_core", level)
        .with_target("oauth", level)
        .with_target("procore_oauth", level)
        .with_target("calcom_oauth", level)
        .with_target("sunshine_conversations_oauth", level)
        .with_target("ringcentral_oauth", level);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
        .with(targets)
        .try_init();
}
