//! Real-browser tests: headless Chromium, driven through chromedriver (WebDriver), clicks
//! through the example web app and the oidc-provider server's own login page, and through the
//! command line's browser login.
//!
//! ```sh
//! cargo build -p oauth-cli   # the CLI test runs target/debug/oauth (or $OAUTH_CLI_BIN)
//! cargo test -p oauth-web-example --features browser-tests --test browser
//! ```
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (or `CHROMIUM` and
//! `CHROMEDRIVER` naming the binaries), `postgresql` (binaries only) and Node.js; each test
//! starts and stops chromedriver, the app and the servers itself. Screenshots of every page go to the folder the tests
//! print (`target/tmp/browser-screenshots/`).

mod cli_login;
mod harness;
mod web_app;
