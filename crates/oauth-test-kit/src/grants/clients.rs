//! The registered clients: who they are, how they authenticate, and the lifetimes of their
//! tokens where a provider's flows differ (Cal.com's OAuth 2.0 clients get 30-minute access
//! tokens, its platform clients hour-long ones, from one fake).

use super::{Grants, State};
use crate::values::{GrantError, Lifetimes};

pub(super) struct Client {
    secret: Option<String>,
    /// Overrides [`Grants::lifetimes`] for this client's tokens.
    lifetimes: Option<Lifetimes>,
}

impl Grants {
    /// Registers a client (`secret: None` for a public client), with the lifetimes every
    /// client without its own gets. Registering an ID again replaces it.
    pub fn register_client(&self, client_id: &str, secret: Option<&str>) {
        self.state().clients.insert(
            client_id.to_owned(),
            Client {
                secret: secret.map(str::to_owned),
                lifetimes: None,
            },
        );
    }

    /// Gives a registered client lifetimes of its own for tokens and codes issued from now on;
    /// [`Grants::set_lifetimes`] no longer changes them. False when `client_id` is unknown.
    pub fn set_client_lifetimes(&self, client_id: &str, lifetimes: Lifetimes) -> bool {
        match self.state().clients.get_mut(client_id) {
            Some(client) => {
                client.lifetimes = Some(lifetimes);
                true
            }
            None => false,
        }
    }

    /// Checks a client's identity: known, and `secret` matching its registered one (a
    /// confidential client must send it).
    pub fn authenticate(&self, client_id: &str, secret: Option<&str>) -> Result<(), GrantError> {
        match self.state().clients.get(client_id) {
            Some(Client { secret: None, .. }) => Ok(()),
            Some(Client {
                secret: Some(expected),
                ..
            }) if secret == Some(expected.as_str()) => Ok(()),
            _ => Err(GrantError::InvalidClient),
        }
    }

    /// Whether `client_id` is registered.
    pub fn knows_client(&self, client_id: &str) -> bool {
        self.state().clients.contains_key(client_id)
    }

    /// Whether `client_id` is registered without a secret.
    pub fn is_public_client(&self, client_id: &str) -> bool {
        self.state()
            .clients
            .get(client_id)
            .is_some_and(|c| c.secret.is_none())
    }

    /// The lifetimes of `client_id`'s tokens: its own, else those in force.
    pub(super) fn lifetimes_of(&self, state: &State, client_id: &str) -> Lifetimes {
        state
            .clients
            .get(client_id)
            .and_then(|c| c.lifetimes.clone())
            .unwrap_or_else(|| self.lifetimes())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use oauth_core::ManualClock;

    use super::*;
    use crate::values::{CodeExchange, CodeRequest};

    fn grants() -> Grants {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let grants = Grants::new(clock, Lifetimes::default(), "user".into());
        grants.register_client("app", Some("secret"));
        grants.register_client("other", None);
        grants
    }

    fn issue(g: &Grants, client_id: &str) -> crate::values::Issued {
        let code = g
            .issue_code(CodeRequest {
                client_id: client_id.into(),
                ..CodeRequest::default()
            })
            .unwrap();
        g.exchange_code(CodeExchange {
            client_id: client_id.into(),
            code,
            ..CodeExchange::default()
        })
        .unwrap()
    }

    #[test]
    fn client_authentication() {
        let g = grants();
        assert_eq!(g.authenticate("app", Some("secret")), Ok(()));
        assert_eq!(
            g.authenticate("app", Some("wrong")),
            Err(GrantError::InvalidClient)
        );
        assert_eq!(g.authenticate("app", None), Err(GrantError::InvalidClient));
        assert_eq!(g.authenticate("other", None), Ok(()));
        assert_eq!(
            g.authenticate("nobody", None),
            Err(GrantError::InvalidClient)
        );
        assert!(g.is_public_client("other"));
        assert!(!g.is_public_client("app") && !g.is_public_client("nobody"));
    }

    #[test]
    fn a_client_with_lifetimes_of_its_own_keeps_them() {
        let g = grants();
        let own = Lifetimes {
            access: Some(Duration::from_secs(1800)),
            refresh: Some(Duration::from_secs(30 * 24 * 3600)),
            ..Lifetimes::default()
        };
        assert!(g.set_client_lifetimes("other", own.clone()));
        assert!(!g.set_client_lifetimes("nobody", own));
        g.set_lifetimes(Lifetimes {
            access: Some(Duration::from_secs(60)),
            ..Lifetimes::default()
        });
        let theirs = issue(&g, "other");
        assert_eq!(theirs.expires_in, Some(Duration::from_secs(1800)));
        assert_eq!(
            theirs.refresh_expires_in,
            Some(Duration::from_secs(30 * 24 * 3600))
        );
        // A refresh keeps the client's lifetimes; other clients get those in force.
        let next = g
            .refresh("other", theirs.refresh_token.as_deref().unwrap())
            .unwrap();
        assert_eq!(next.expires_in, Some(Duration::from_secs(1800)));
        assert_eq!(issue(&g, "app").expires_in, Some(Duration::from_secs(60)));
    }
}
