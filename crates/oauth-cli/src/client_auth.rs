//! RingCentral client authentication from a profile: `client_secret_basic`, `client_secret_jwt`
//! or `private_key_jwt` with a key read from the file the profile names. The config file keeps
//! the key's path, never the key, and no message here quotes the file's contents.

use std::path::Path;

use ringcentral_oauth::ClientAuthentication;
use ringcentral_oauth::oauth_jwt::SigningKey;

use crate::config::{ClientAuth, Profile};
use crate::error::{CliError, CliResult};
use crate::secrets;

/// The method `profile` asks for, its key read and parsed; `None` leaves the library's default
/// (Basic with a secret, a public client without).
pub fn for_profile(profile: &Profile) -> CliResult<Option<ClientAuthentication>> {
    Ok(match profile.client_auth {
        None => None,
        Some(ClientAuth::ClientSecretBasic) => Some(ClientAuthentication::ClientSecretBasic),
        Some(ClientAuth::ClientSecretJwt) => Some(ClientAuthentication::ClientSecretJwt),
        Some(ClientAuth::PrivateKeyJwt) => {
            let Some(file) = &profile.key_file else {
                return Err(CliError::Config(
                    "client auth private-key-jwt needs a key: `oauth profile set NAME --key FILE`"
                        .into(),
                ));
            };
            let key = signing_key(file, profile.key_id.as_deref())?;
            Some(ClientAuthentication::PrivateKeyJwt(key))
        }
    })
}

/// The private key in `file`: a JWK when the text is a JSON object, else PEM; `kid` overrides
/// the JWK's own.
pub fn signing_key(file: &Path, kid: Option<&str>) -> CliResult<SigningKey> {
    let what = "the private key for private-key-jwt";
    let text = secrets::from_file(file, what)?;
    let parsed = if text.starts_with('{') {
        SigningKey::from_jwk(&text)
    } else {
        SigningKey::from_pem(&text)
    };
    // `KeyError` names what is wrong with the key (a PEM label, a missing JWK member, ring's
    // reason), never its material.
    let key = parsed.map_err(|e| CliError::Config(format!("{} ({what}): {e}", file.display())))?;
    Ok(match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/oidc-server/keys")
            .join(name)
    }

    #[test]
    fn pem_and_jwk_files_are_read_and_the_kid_given_wins() {
        let pem = signing_key(&fixture("client-es256.pem"), Some("k1")).unwrap();
        assert_eq!(pem.kid(), Some("k1"));
        assert_eq!(pem.algorithm().name(), "ES256");
        let jwk = signing_key(&fixture("client-rs256.jwk.json"), None).unwrap();
        assert_eq!(jwk.kid(), Some("client-rs256"), "the JWK's own kid");
        assert_eq!(jwk.algorithm().name(), "RS256");
        let pkcs1 = signing_key(&fixture("client-rs256.pkcs1.pem"), None).unwrap();
        assert_eq!(pkcs1.kid(), None);
    }

    #[test]
    fn a_bad_key_file_names_the_file_and_not_its_contents() {
        let dir = std::env::temp_dir().join(format!("oauth-cli-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("broken.pem");
        // A real key's body under a label that is no private key: the message must not echo it.
        let text = std::fs::read_to_string(fixture("client-es256.pem")).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        std::fs::write(
            &file,
            format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"),
        )
        .unwrap();
        let e = signing_key(&file, None).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let message = e.to_string();
        assert!(message.contains("broken.pem"), "{message}");
        assert!(!message.contains(&body[..20]), "{message}");
        std::fs::write(&file, "{\"kty\":\"RSA\",\"d\":\"c2VjcmV0LW1hdGVyaWFs\"}").unwrap();
        let message = signing_key(&file, None).unwrap_err().to_string();
        assert!(
            message.contains("JWK") && !message.contains("c2VjcmV0"),
            "{message}"
        );
        let e = signing_key(&dir.join("missing.pem"), None).unwrap_err();
        assert!(e.to_string().contains("missing.pem"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
