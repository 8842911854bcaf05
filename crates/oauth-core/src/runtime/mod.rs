//! What the provider crates and their generated clients run on: the hooks the generated
//! operations call ([`prepare_request`], [`execute`], [`from_response`], the request
//! builders), the execution hook's answer vetting ([`limit`], [`scrub`], [`response`]), the
//! lenient wire scalars the specs map fields to ([`wire`]), checked time arithmetic
//! ([`time`]) and randomness ([`random`]).
//!
//! An application never needs this module: everything it names is at the crate root. It is
//! public because generated code and the SDK's other crates (`oauth-lifecycle`,
//! `oauth-test-kit`, the provider crates) call it.

pub(crate) mod answer;
mod hooks;
pub mod limit;
pub mod random;
mod request;
pub mod response;
pub mod scrub;
pub mod time;
pub mod vetting;
pub mod wire;

pub use crate::http::Connection;
pub use hooks::{Success, basic_authorization, execute, from_response, prepare_request, with_body};
pub use request::{RequestUrl, form_body, json_body, query, request};
pub use vetting::Vetting;

/// reqwest and the stores' TLS are built without a default rustls crypto backend (the aws-lc
/// one costs minutes of build); this installs rustls' ring provider unless the application installed one.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine: either provider works.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
