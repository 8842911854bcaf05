//! Secrets come from an environment variable, a file, standard input or a hidden prompt:
//! never from the command line, which every user on the machine can read in `ps`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use oauth_core::ClientSecret;

use crate::config::{ClientAuth, Profile};
use crate::error::{CliError, CliResult};
use crate::files;
use crate::paths::Paths;

/// Secrets are short; a larger file is a mistake (a wrong path), not a secret.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// The profile's client secret, from where the profile says; `None` when it names no source.
pub fn client_secret(name: &str, profile: &Profile) -> CliResult<Option<ClientSecret>> {
    if let Some(var) = &profile.client_secret_env {
        return from_env(var, &format!("the client secret of profile `{name}`"))
            .map(|s| Some(ClientSecret::new(s)));
    }
    if let Some(file) = &profile.client_secret_file {
        return from_file(file, &format!("the client secret of profile `{name}`"))
            .map(|s| Some(ClientSecret::new(s)));
    }
    Ok(None)
}

/// A RingCentral JWT credential read from `file` at every grant, so that a credential rotated
/// in the file is picked up by the next `oauth token`.
pub fn jwt_assertion(file: PathBuf) -> impl oauth_lifecycle::access::Assertion {
    move || {
        let read = from_file(&file, "the JWT credential")
            .map(oauth_core::JwtAssertion::new)
            .map_err(|e| oauth_core::Error::Config(e.to_string()));
        std::future::ready(read)
    }
}

/// The value of environment variable `var`.
pub fn from_env(var: &str, what: &str) -> CliResult<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        Ok(_) => Err(CliError::Config(format!(
            "environment variable {var} ({what}) is empty"
        ))),
        Err(_) => Err(CliError::Config(format!(
            "environment variable {var} ({what}) is not set"
        ))),
    }
}

/// The contents of `path`, without surrounding whitespace (a trailing newline).
pub fn from_file(path: &Path, what: &str) -> CliResult<String> {
    let read = std::fs::File::open(path).and_then(|f| {
        let mut text = String::new();
        f.take(MAX_SECRET_BYTES + 1).read_to_string(&mut text)?;
        Ok(text)
    });
    let text = read.map_err(|e| {
        CliError::Config(format!("could not read {} ({what}): {e}", path.display()))
    })?;
    warn_if_shared(path, what);
    if text.len() as u64 > MAX_SECRET_BYTES {
        return Err(CliError::Config(format!(
            "{} ({what}) is larger than 64 KiB: is it the right file?",
            path.display()
        )));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(CliError::Config(format!(
            "{} ({what}) is empty",
            path.display()
        )));
    }
    Ok(text.to_owned())
}

/// Asks on the terminal without echo.
pub fn prompt(what: &str, instead: &str) -> CliResult<String> {
    if !std::io::stderr().is_terminal() && !std::io::stdin().is_terminal() {
        return Err(CliError::Config(format!(
            "no terminal to ask for {what} on: {instead}"
        )));
    }
    let value = rpassword::prompt_password(format!("{what} (input hidden): "))
        .map_err(|e| CliError::Config(format!("could not read {what} from the terminal: {e}")))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(CliError::Config(format!("{what} is empty")));
    }
    Ok(value.to_owned())
}

/// Standard input, whole.
pub fn from_stdin(what: &str) -> CliResult<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_SECRET_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Config(format!("could not read {what} from stdin: {e}")))?;
    let text = text.trim();
    if text.is_empty() || text.len() as u64 > MAX_SECRET_BYTES {
        return Err(CliError::Config(format!(
            "{what} on stdin is empty or larger than 64 KiB"
        )));
    }
    Ok(text.to_owned())
}

/// Keeps a client secret for profile `name` in the data dir (mode 0600); returns its path.
pub fn save(paths: &Paths, name: &str, secret: &str) -> CliResult<PathBuf> {
    let path = paths.secrets_dir().join(name);
    files::write_private(&path, secret.as_bytes())?;
    Ok(path)
}

/// The saved secret of profile `name`, which `profile remove` deletes.
pub fn saved_path(paths: &Paths, name: &str) -> PathBuf {
    paths.secrets_dir().join(name)
}

/// Where profile `name`'s client secret comes from, for a message about a refused one.
pub fn describe_source(paths: &Paths, name: &str, profile: &Profile) -> String {
    match (&profile.client_secret_env, &profile.client_secret_file) {
        (Some(var), _) => format!("environment variable {var}"),
        (None, Some(file)) if *file == saved_path(paths, name) => format!(
            "what was typed at the prompt (or read from stdin) when the profile was added, \
             kept in {}",
            file.display()
        ),
        (None, Some(file)) => format!("file {}", file.display()),
        (None, None) => "nowhere: the profile has none (a public client)".to_owned(),
    }
}

/// The credential that authenticates profile `name`'s client, for a message about a refused
/// one: the private key's file and kid for `private_key_jwt`, else the client secret's source.
pub fn describe_credential(paths: &Paths, name: &str, profile: &Profile) -> String {
    match (&profile.client_auth, &profile.key_file) {
        (Some(ClientAuth::PrivateKeyJwt), Some(file)) => format!(
            "the private key in {} (kid {}), whose public key must be registered for the app",
            file.display(),
            profile
                .key_id
                .as_deref()
                .unwrap_or("from the key file, if any")
        ),
        _ => format!(
            "the client secret, which comes from {}",
            describe_source(paths, name, profile)
        ),
    }
}

/// Warns (like ssh) when other users may read a file holding a secret.
fn warn_if_shared(path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.is_file()
            && meta.permissions().mode() & 0o077 != 0
        {
            crate::say!(
                "warning: {} ({what}) can be read by other users; `chmod 600` it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
}
