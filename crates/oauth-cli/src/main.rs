//! `oauth`: log in to Procore, Cal.com, Sunshine Conversations or RingCentral from a terminal,
//! print a fresh access token for `curl`, show what is stored, revoke.
//!
//! Built on the SDK's public API only: the provider crates' clients and authorization requests,
//! `oauth_lifecycle::TokenSource` for refreshes, and `oauth_lifecycle::store::FileStore` for tokens (in
//! `oauth_lifecycle::store::EncryptedStore` when `OAUTH_CLI_KEY` is set), so a program using the
//! library can read what the CLI stored and the other way round.

// A command line's output is its interface: data goes to stdout, messages to stderr, through
// the two macros below and nowhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod client;
mod client_auth;
mod commands;
mod config;
mod error;
mod files;
mod loopback;
mod opener;
mod paths;
mod provider;
mod secrets;
mod settings;
mod sign_in;
mod store;
mod verbose;

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
    verbose::init(cli.verbose);
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
