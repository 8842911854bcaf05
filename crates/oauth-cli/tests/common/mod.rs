//! Running the `oauth` binary in a private home, keeping a transcript of what it printed.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use oauth_sdk_tests::RESERVED_SECRET;

/// The Cal.com session cookie the tests pass in `TEST_SESSION`; its value is a secret.
pub const SESSION: &str = "session-token=cal-session-secret";

/// A private `OAUTH_CLI_HOME`, removed on drop.
pub struct CliHome {
    /// The directory.
    pub dir: PathBuf,
    /// Every stderr, and the stdout of every command but `oauth token` without `--json` (the
    /// one output allowed to hold a secret).
    pub transcript: String,
}

impl Drop for CliHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl CliHome {
    /// A fresh home named after the test.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("oauth-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self {
            dir,
            transcript: String::new(),
        }
    }

    /// `oauth ARGS` in this home, with the client secret in `TEST_CLIENT_SECRET` and a Cal.com
    /// session in `TEST_SESSION`, and no store key, `BROWSER` or desktop session (whatever the
    /// caller's environment holds: a login must not open the developer's browser).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_oauth"));
        c.args(args)
            .env("OAUTH_CLI_HOME", &self.dir)
            .env_remove("OAUTH_CLI_KEY")
            .env_remove("BROWSER")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("TEST_CLIENT_SECRET", RESERVED_SECRET)
            .env("TEST_SESSION", SESSION)
            .stdin(Stdio::null());
        c
    }

    /// Runs a command and records its output.
    pub fn run(&mut self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// Runs a command with more environment variables and records its output.
    pub fn run_with(&mut self, args: &[&str], env: &[(&str, &dyn AsRef<OsStr>)]) -> Output {
        let mut command = self.command(args);
        for (var, value) in env {
            command.env(var, value);
        }
        let out = command.output().expect("run oauth");
        self.record(args, &out);
        out
    }

    /// Adds a command's output to the transcript.
    pub fn record(&mut self, args: &[&str], out: &Output) {
        self.transcript += &String::from_utf8_lossy(&out.stderr);
        let prints_token = args.contains(&"token") && !args.contains(&"--json");
        if !prints_token {
            self.transcript += &String::from_utf8_lossy(&out.stdout);
        }
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok(&mut self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "oauth {args:?}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 stdout")
    }

    /// Writes `token` (the library's token fields) as the stored token of profile `name`, in
    /// the store's document format.
    #[allow(dead_code, reason = "not every test file stores a token of its own")]
    pub fn store_token(&self, name: &str, token: serde_json::Value) {
        let tokens = self.dir.join("data/tokens");
        std::fs::create_dir_all(&tokens).expect("the token directory");
        let document = serde_json::json!({
            "format": "oauth-core.token", "format_version": 1, "version": 1, "token": token
        });
        let bytes = serde_json::to_vec(&document).expect("JSON");
        std::fs::write(tokens.join(format!("{name}.json")), bytes).expect("a stored token");
    }

    /// `oauth profile add NAME --provider PROVIDER --client-id cid MORE...`, whatever its
    /// outcome.
    #[allow(
        dead_code,
        reason = "not every test file adds a profile that may be refused"
    )]
    pub fn profile_add(&mut self, name: &str, provider: &str, more: &[&str]) -> Output {
        self.profile_add_as(name, provider, "cid", more)
    }

    /// `oauth profile add NAME --provider PROVIDER --client-id CLIENT_ID MORE...`, whatever its
    /// outcome.
    #[allow(
        dead_code,
        reason = "not every test file adds a profile that may be refused"
    )]
    pub fn profile_add_as(
        &mut self,
        name: &str,
        provider: &str,
        client_id: &str,
        more: &[&str],
    ) -> Output {
        let head = [
            "profile",
            "add",
            name,
            "--provider",
            provider,
            "--client-id",
        ];
        self.run(&[&head[..], &[client_id], more].concat())
    }

    /// `oauth profile add NAME --provider PROVIDER --client-id ID --base-url URL MORE...`, the
    /// client secret from `TEST_CLIENT_SECRET`; it must succeed.
    #[allow(
        dead_code,
        reason = "the JWT client tests add their profiles with other secrets"
    )]
    pub fn add(
        &mut self,
        name: &str,
        provider: &str,
        client_id: &str,
        base_url: &str,
        more: &[&str],
    ) {
        let secret = ["--client-secret-env", "TEST_CLIENT_SECRET"];
        let args = [&["--base-url", base_url][..], &secret, more].concat();
        let out = self.profile_add_as(name, provider, client_id, &args);
        assert!(
            out.status.success(),
            "oauth profile add {name}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Fails if the transcript holds the client secret, the session cookie or any of `secrets`.
    pub fn assert_clean<S: AsRef<str>>(&self, secrets: &[S]) {
        let mut all = vec![RESERVED_SECRET, "cal-session-secret"];
        all.extend(secrets.iter().map(AsRef::as_ref));
        oauth_sdk_tests::assert_no_secrets(&self.transcript, &all);
    }
}

/// Milliseconds since the Unix epoch, as stored tokens count time.
#[allow(dead_code, reason = "not every test file stores a token of its own")]
pub fn now_ms() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since.as_millis()).expect("a time in range")
}

/// A plain HTTP client (redirects off), built through `oauth_core::HttpSettings`, which also
/// installs the TLS crypto provider reqwest needs (it is built without a default one) before
/// any client can be built, the browser stand-in's included: call it first.
pub fn http_client() -> reqwest::Client {
    oauth_core::HttpSettings::new("oauth-cli-tests")
        .build()
        .expect("a reqwest client")
}
