//! [`Vetting`]: what the execution hooks know besides the request, the inner value of every
//! generated client.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::runtime::limit::BodyLimit;

/// How a client's answers are vetted: the [`BodyLimit`] every body is read with, and the
/// secrets the client holds (its client secret), which are scrubbed out of every error answer
/// whether or not the request carried them: a server echoing the client secret in its
/// answer to a token info, revocation or server-side authorize call (none of which send it)
/// must not have it printed in the SDK's error. It is the inner value of every generated
/// client (progenitor's `inner_type`), where the hooks read it; cloning it is a reference
/// count.
#[derive(Clone, Default)]
pub struct Vetting {
    limit: BodyLimit,
    held: Arc<[SecretString]>,
}

impl Vetting {
    /// Answers read with `limit`, holding no secrets.
    pub fn new(limit: BodyLimit) -> Self {
        Self {
            limit,
            held: Arc::new([]),
        }
    }

    /// Also scrubs `secrets` (values the client holds, such as its client secret) out of
    /// every error answer.
    pub fn holding<'a>(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let held: Vec<SecretString> = self
            .held
            .iter()
            .map(|s| SecretString::from(s.expose_secret()))
            .chain(secrets.into_iter().map(SecretString::from))
            .collect();
        self.held = held.into();
        self
    }

    /// The body limit.
    pub fn limit(&self) -> BodyLimit {
        self.limit
    }

    /// The secrets held, for scrubbing.
    pub(crate) fn held(&self) -> impl Iterator<Item = &str> {
        self.held.iter().map(|s| s.expose_secret())
    }
}

impl fmt::Debug for Vetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vetting")
            .field("limit", &self.limit)
            .field("held_secrets", &self.held.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_counts_the_secrets_and_shows_none() {
        let vetting = Vetting::new(BodyLimit::new(10))
            .holding(["held-secret-1"])
            .holding(["held-secret-2"]);
        let shown = format!("{vetting:?}");
        assert!(shown.contains("held_secrets: 2"), "{shown}");
        assert!(!shown.contains("held-secret"), "{shown}");
        assert_eq!(
            vetting.held().collect::<Vec<_>>(),
            ["held-secret-1", "held-secret-2"]
        );
        assert_eq!(vetting.limit(), BodyLimit::new(10));
    }
}
