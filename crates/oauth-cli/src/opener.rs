//! Opening the authorization URL in a browser: the command in `BROWSER` when it is set (as
//! `git web--browse`, `gh` and Python's `webbrowser` read it: entries separated by `:`, `%s`
//! standing for the URL or the URL appended), otherwise the system opener (`xdg-open`, `gio`,
//! `open`, `start`: the `open` crate's list). A launch that fails is one line on stderr, which
//! ends with the URL to open by hand.

use std::ffi::OsString;
use std::process::{ExitStatus, Stdio};

use tokio::process::{Child, Command};

/// The variable naming the browser to run.
pub const BROWSER_VAR: &str = "BROWSER";

/// Whether `oauth login` opens the browser without `--open`: when `BROWSER` names one, or a
/// desktop session can show one (a display on Linux and the BSDs; macOS and Windows unless
/// logged in over SSH).
pub fn by_default() -> bool {
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if set(BROWSER_VAR) {
        return true;
    }
    if cfg!(any(target_os = "macos", windows)) {
        return !set("SSH_CONNECTION");
    }
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// A started browser (or opener), watched for a failed exit.
#[derive(Debug)]
pub struct Launched {
    /// What was run, for messages.
    pub what: String,
    url: String,
    child: Option<Child>,
}

/// Starts the first launcher that can be started; the message when none can.
pub fn launch(url: &str) -> Result<Launched, String> {
    let (candidates, source) = match std::env::var(BROWSER_VAR) {
        Ok(browser) if !browser.trim().is_empty() => (from_browser_var(&browser, url), "BROWSER"),
        _ => (
            open::commands(url).into_iter().map(Command::from).collect(),
            "the system opener",
        ),
    };
    let mut tried = Vec::new();
    for mut command in candidates {
        let what = command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned();
        // The browser's own chatter would mix with the login's messages.
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            Ok(child) => {
                return Ok(Launched {
                    what,
                    url: url.to_owned(),
                    child: Some(child),
                });
            }
            Err(e) => tried.push(format!("{what}: {}", short(&e))),
        }
    }
    if tried.is_empty() {
        return Err(format!(
            "Could not open a browser: {source} names no command; open this URL by hand: {url}"
        ));
    }
    Err(format!(
        "Could not open a browser ({source}: {}); open this URL by hand: {url}",
        tried.join(", ")
    ))
}

impl Launched {
    /// Resolves with a one-line message if the launcher exits unsuccessfully; never resolves
    /// otherwise (a browser may run for as long as it likes). Cancel safe.
    pub async fn failure(&mut self) -> String {
        let Some(child) = &mut self.child else {
            return std::future::pending().await;
        };
        let status = child.wait().await;
        self.child = None;
        match status {
            Ok(status) if status.success() => std::future::pending().await,
            Ok(status) => format!(
                "Could not open a browser: {} {}; open this URL by hand: {}",
                self.what,
                exited(status),
                self.url
            ),
            Err(e) => format!(
                "Could not open a browser: {} {}; open this URL by hand: {}",
                self.what,
                short(&e),
                self.url
            ),
        }
    }
}

/// `BROWSER`'s commands, in order: each split at white space, `%s` replaced by the URL, or
/// the URL added as the last argument. No shell is involved.
fn from_browser_var(browser: &str, url: &str) -> Vec<Command> {
    browser
        .split(':')
        .filter_map(|entry| {
            let mut words = entry.split_whitespace();
            let program = words.next()?;
            let mut args: Vec<OsString> = Vec::new();
            let mut placed = false;
            for word in words {
                placed |= word.contains("%s");
                args.push(word.replace("%s", url).into());
            }
            if !placed {
                args.push(url.into());
            }
            let mut command = Command::new(program);
            command.args(args);
            Some(command)
        })
        .collect()
}

/// `exited with code 3`, not `ExitStatus(unix_wait_status(768))`.
fn exited(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with code {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("was stopped by signal {signal}");
    }
    "failed".to_owned()
}

/// An I/O error without its `(os error N)` tail.
fn short(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => "not executable".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(command: &Command) -> Vec<String> {
        let c = command.as_std();
        std::iter::once(c.get_program())
            .chain(c.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn browser_entries_take_the_url_in_place_of_percent_s_or_last() {
        let commands = from_browser_var("firefox --new-tab:w3m %s -dump: :", "http://h/a?b=c");
        let all: Vec<_> = commands.iter().map(argv).collect();
        assert_eq!(
            all,
            [
                vec!["firefox", "--new-tab", "http://h/a?b=c"],
                vec!["w3m", "http://h/a?b=c", "-dump"],
            ]
        );
    }
}
