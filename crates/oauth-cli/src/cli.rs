//! The command line, as clap reads it. `oauth --help` is written from these doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{CalcomFlow, ClientAuth};
use crate::provider::ProviderKind;

// Paragraphs are single lines, for clap to wrap at the terminal's width; the example commands
// are short enough to stay whole (copyable) in 80 columns.
const AFTER_HELP: &str = "\
Three commands to a curl call (RingCentral shown; `oauth login --help` has each provider):
  oauth profile add rc --provider ringcentral --client-id ID \\
      --client-secret-prompt
  oauth login rc
  curl -H \"Authorization: Bearer $(oauth token rc)\" $RC/restapi/v1.0/account/~
with RC=https://platform.ringcentral.com (a profile with --base-url: that server).

`oauth login` opens the authorization URL with the command in BROWSER when it is set, else with the system opener (xdg-open, open, start) when a desktop session is present; --open and --no-open decide otherwise. The URL is printed either way.

Files: profiles in <config dir>/oauth-cli/config.toml, tokens in <data dir>/oauth-cli/tokens/ (mode 0600, the oauth-core FileStore format). OAUTH_CLI_HOME=DIR puts both under DIR; XDG_CONFIG_HOME and XDG_DATA_HOME are honoured too.

Encryption: with OAUTH_CLI_KEY set, every token written is encrypted with that key (XChaCha20-Poly1305, the oauth-core EncryptedStore): 32 bytes in base64 or hex, e.g.
  export OAUTH_CLI_KEY=\"$(openssl rand -base64 32)\"
optionally named `ID:KEY`. To rotate, set `NEW,OLD`: tokens sealed with OLD still read, every write uses NEW (drop OLD once each token has been refreshed or logged in again). Tokens stored before the key was set are read, and encrypted on their next write (a refresh or a login). Without the key, or with a wrong one, an encrypted token is refused and left as it is (exit code 7); `oauth logout` forgets it. An empty OAUTH_CLI_KEY counts as unset.

Output: data on stdout, messages on stderr. -v adds a line for each HTTP request (method, URL, status, time), each refresh and each decision; -vv the libraries' detail. No command prints a secret, except the access token that `oauth token` prints on stdout.

Exit codes:";

/// `oauth --help`'s text after the options: [`AFTER_HELP`] and the exit codes, from the table
/// the errors map to.
fn after_help() -> String {
    let mut text = AFTER_HELP.to_owned();
    for (code, meaning) in crate::error::EXIT_CODES {
        text.push_str(&format!("\n  {code:>3}  {meaning}"));
    }
    text
}

/// Log in to Procore, Cal.com, Sunshine Conversations or RingCentral, print a fresh access token,
/// revoke it.
#[derive(Debug, Parser)]
#[command(name = "oauth", version, after_help = after_help(), max_term_width = 100)]
pub struct Cli {
    /// On stderr, a line for each HTTP request (method, URL, status, time), each refresh and
    /// each decision (never a secret); -vv adds the libraries' detail (retries, a refused refresh).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, change, check, list or remove profiles (a provider, an app's client id and how to
    /// log in).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Log in and store the token.
    #[command(long_about = LOGIN_ABOUT)]
    Login(LoginArgs),
    /// Print a valid access token on stdout, refreshing it first when needed.
    ///
    /// For `curl -H "Authorization: Bearer $(oauth token PROFILE)"`. A refresh is written to the
    /// token store before the token is printed, under the store's refresh lock: several shells
    /// asking at once refresh once.
    Token(TokenArgs),
    /// One line per profile: provider, environment, scopes, expiry, whether a login is needed.
    ///
    /// Read from the local store only (a grant revoked elsewhere shows when it is next used).
    /// Never prints a secret.
    Status(StatusArgs),
    /// Revoke the token at the provider and forget it (Procore, Sunshine Conversations,
    /// RingCentral; Cal.com has no revocation endpoint: use `oauth logout`).
    Revoke(ProfileArg),
    /// Forget the stored token of a profile, without telling the provider.
    Logout(ProfileArg),
}

const LOGIN_ABOUT: &str = "\
Log in and store the token.

By provider:
  ringcentral             browser, authorization code with PKCE S256 through a loopback redirect;
                          or --jwt FILE (the JWT credential from the developer console). With
                          `openid` among the profile's scopes: OpenID Connect sign-in, a nonce
                          sent and the ID token verified (signature, issuer, audience, expiry,
                          nonce); its subject (and email) is printed, and a token whose ID token
                          fails is not stored (exit 6)
  procore                 browser, authorization code through a loopback redirect (Procore has no
                          PKCE; the state is checked); or --client-credentials (service account)
  sunshine-conversations  browser, authorization code through a loopback redirect; the token never
                          expires and has no refresh
  calcom                  flow oauth2 (the default for new profiles): browser, RFC 6749 authorization
                          code with PKCE S256 on the Cal.com web app through a loopback redirect;
                          a public client has no secret, a confidential one sends it in the body.
                          Refresh tokens rotate; Cal.com has no revocation (use `oauth logout`).
                          flow platform (profiles without a `flow` setting): no browser; the code
                          is requested server side with a Cal.com session cookie (read from
                          --session-cookie-env, a file, or a hidden prompt), then exchanged

The browser flow (RFC 8252): `oauth` listens on 127.0.0.1 at the port of the profile's redirect
URI, prints the authorization URL, opens it (see --open), and says which redirect URI the
provider must have registered: a provider that does not accept it shows an error in the browser
and never redirects. A redirect with another login's state (a tab left from an older login) is
answered with a page saying so, and the wait goes on. The right one's code is exchanged and the
browser answered with a short page. It gives up after --timeout or on Ctrl-C.

Client credentials and JWT tokens are obtained again by `oauth token` when they expire.";

/// `oauth profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile (or replace one with --force).
    // Boxed: the largest variant by far, and parsed once.
    Add(Box<ProfileAddArgs>),
    /// Change some settings of a profile, keeping the others (`oauth profile set rc
    /// --redirect-uri http://127.0.0.1:9000/callback`). An empty value (`--base-url ''`,
    /// `--scope ''`) removes a setting.
    Set(Box<ProfileSetArgs>),
    /// Test the client id and secret at the provider's token endpoint, without a browser.
    ///
    /// Sends a made-up authorization code with the client credentials: a server that checks
    /// the client first (as RFC 6749 §5.2 servers do) refuses wrong credentials with
    /// `invalid_client` (exit 3) and right ones with `invalid_grant` for the made-up code
    /// (exit 0). Any other answer is reported as inconclusive (exit 5). RingCentral, Procore
    /// and Cal.com OAuth 2.0 confidential clients.
    Check(ProfileArg),
    /// List the profiles (no secrets: where the client secret comes from, not its value).
    List,
    /// Remove a profile, its stored token and its saved client secret.
    Remove(ProfileArg),
}

/// A profile name.
#[derive(Debug, Args)]
pub struct ProfileArg {
    /// The profile.
    pub profile: String,
}

/// `oauth profile add`
#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// The profile's name ([A-Za-z0-9._-], e.g. `rc` or `procore-sandbox`).
    pub name: String,
    /// The provider.
    #[arg(long, value_enum)]
    pub provider: ProviderKind,
    /// The app's client id (Sunshine Conversations: the integration id).
    #[arg(long)]
    pub client_id: String,
    /// The settings `oauth profile set` can change too.
    #[command(flatten)]
    pub settings: ProfileSettings,
    /// Replace an existing profile of that name (every setting not given is dropped; `oauth
    /// profile set` changes only what it is given).
    #[arg(long)]
    pub force: bool,
}

/// `oauth profile set`
#[derive(Debug, Args)]
pub struct ProfileSetArgs {
    /// The profile.
    pub name: String,
    /// The app's client id (Sunshine Conversations: the integration id).
    #[arg(long)]
    pub client_id: Option<String>,
    /// The settings to change.
    #[command(flatten)]
    pub settings: ProfileSettings,
}

/// What `profile add` sets and `profile set` changes.
#[derive(Debug, Args)]
pub struct ProfileSettings {
    /// Procore: production, sandbox, monthly-sandbox. RingCentral: production, sandbox.
    /// Sunshine Conversations (region): oauth-bridge, us, eu. Default: production / oauth-bridge.
    #[arg(long, alias = "region")]
    pub environment: Option<String>,
    /// Another server (a private deployment or a test server) instead of the environment's:
    /// the server's root, `https://HOST[:PORT]` (`http` only for 127.0.0.1 or localhost), to
    /// which the provider's paths (`/restapi/oauth/token`) are added. Cal.com: the API, where
    /// the token endpoint is (give its web app with --app-url too).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Cal.com: `oauth2` (the default for new profiles: RFC 6749 through the browser, PKCE
    /// S256; a public client needs no secret) or `platform` (the session-cookie flow, which
    /// needs the client secret). A profile in the config file without `flow` is read as
    /// `platform`, the only flow there was when it was written.
    #[arg(long, value_enum)]
    pub flow: Option<CalcomFlow>,
    /// Cal.com OAuth 2.0: the web app, where the authorization page is (self-hosted Cal.com,
    /// together with --base-url); default `https://app.cal.com`.
    #[arg(long, value_name = "URL")]
    pub app_url: Option<String>,
    /// The redirect URI registered with the provider; for the browser login it must be
    /// `http://127.0.0.1:PORT/PATH` (or `localhost`). Default `http://127.0.0.1:8976/callback`.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// RingCentral and Cal.com OAuth 2.0: a scope to request (repeat, or separate with spaces),
    /// e.g. `BOOKING_READ`. The other authorize requests have no scope: an app gets the
    /// permissions it was registered with.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Procore: the company id sent with revocation.
    #[arg(long)]
    pub company_id: Option<i64>,
    /// RingCentral: how the client authenticates at the token and revocation endpoints.
    /// `client-secret-basic` (the default with a secret), `client-secret-jwt` (an HS256
    /// assertion over the client secret, which must be at least 32 bytes) or `private-key-jwt`
    /// (an RS256 or ES256 assertion signed with --key; no client secret needed).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub client_auth: Option<ClientAuth>,
    /// RingCentral private-key-jwt: the private key, a PEM file (PKCS#8, or PKCS#1 for RSA)
    /// or a private JWK (JSON). The profile keeps the path, never the key; the file is read at
    /// every use, so a key replaced in the file is picked up.
    #[arg(long = "key", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// RingCentral private-key-jwt: the key id (`kid`) registered with the public key, sent
    /// in each assertion's header (a JWK's own `kid` is used when this is not given).
    #[arg(long, value_name = "KID")]
    pub key_id: Option<String>,
    /// Where the client secret comes from.
    #[command(flatten)]
    pub secret: SecretSourceArgs,
}

/// Where a client secret comes from: never the command line, which other users see in `ps`.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct SecretSourceArgs {
    /// Read the client secret from this environment variable whenever it is needed.
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// Read the client secret from this file whenever it is needed.
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// Ask for the client secret now (hidden) and keep it in the data dir (mode 0600).
    #[arg(long)]
    pub client_secret_prompt: bool,
    /// Read the client secret from standard input now and keep it in the data dir (mode 0600).
    #[arg(long)]
    pub client_secret_stdin: bool,
}

/// `oauth login`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The profile.
    pub profile: String,
    /// Open the authorization URL in a browser (it is printed either way): the command in
    /// `BROWSER` if set (`:`-separated entries, `%s` for the URL), else the system opener
    /// (`xdg-open`, `open`, `start`). The default when `BROWSER` is set or a desktop session
    /// is present (`DISPLAY` or `WAYLAND_DISPLAY` on Linux).
    #[arg(long, overrides_with = "no_open")]
    pub open: bool,
    /// Only print the URL, even in a desktop session.
    #[arg(long)]
    pub no_open: bool,
    /// Give up waiting for the browser after this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
    /// Procore service account: the client-credentials grant, no browser.
    #[arg(long, conflicts_with = "jwt")]
    pub client_credentials: bool,
    /// RingCentral: the JWT bearer grant with the JWT credential in FILE, no browser. The path
    /// is kept in the profile so that `oauth token` can get a new token when this one expires.
    #[arg(long, value_name = "FILE")]
    pub jwt: Option<PathBuf>,
    /// Cal.com: read the session cookie (the `Cookie` header of a signed-in browser) from this
    /// environment variable instead of a prompt.
    #[arg(long, value_name = "VAR", conflicts_with = "session_cookie_file")]
    pub session_cookie_env: Option<String>,
    /// Cal.com: read the session cookie from this file instead of a prompt.
    #[arg(long, value_name = "FILE")]
    pub session_cookie_file: Option<PathBuf>,
}

/// `oauth token`
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The profile.
    pub profile: String,
    /// Print the token's type, expiry and scopes as JSON instead of the token (no secrets).
    #[arg(long)]
    pub json: bool,
    /// Refresh when the token has less than this many seconds left.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub min_lifetime: u64,
}

/// `oauth status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only these profiles (default: all).
    pub profiles: Vec<String>,
}
