//! What the xtask adds to progenitor's client so that a provider crate runs it with no
//! hand-written wiring:
//!
//! - `paths`: every operation's path as a constant, for what the crate builds rather than
//!   sends through a generated method (an authorization URL a browser opens, an assertion's
//!   audience), and `pages`, the host and query parameter names of each page a browser opens
//!   (`x-browser-page` operations, which get no method: see `xtask/src/browser_page.rs`);
//! - `Urls`, the URL of each operation without path parameters, parsed once (see
//!   `xtask/src/urls.rs`), in `Inner`, the client's inner value beside the `oauth_core::runtime::Vetting`
//!   its hooks read;
//! - `TryFrom<&oauth_core::runtime::Connection>` for the client;
//! - the client's progenitor `ClientHooks`: every request through
//!   `oauth_core::runtime::prepare_request` and `oauth_core::runtime::execute`, which reads error
//!   answers as the provider's error schema (the one error type of the spec's operations), and
//!   success answers as `xtask/src/success.rs` chooses for each operation;
//! - the connection options (`base_url`, `timeout`, `http_client`, `max_response_bytes`,
//!   `clock`) on each builder the crate's `Cargo.toml` lists under
//!   `[package.metadata.regen] builders`.

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToSnakeCase};
use openapiv3::{OpenAPI, ReferenceOr};

use crate::RegenError;
use crate::browser_page::{self, Page};

/// Provider settings the spec cannot say, read from `[package.metadata.regen]` in the
/// provider crate's `Cargo.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Paths (from the crate root, e.g. `crate::ProcoreClientBuilder`) of the builders that
    /// get the connection options. Each has a field `connection: oauth_core::ClientOptions`
    /// visible to the crate (`pub(crate)`).
    pub builders: Vec<String>,
}

/// The items appended to the generated client of `spec` (shown to users as `display`), the
/// spec without its browser pages, which are `pages`.
pub(crate) fn items(
    display: &str,
    spec: &OpenAPI,
    pages: &[Page],
    file: &syn::File,
    settings: &Settings,
) -> Result<Vec<syn::Item>, RegenError> {
    let methods = client_methods(file);
    let mut text = paths(display, spec, pages, &methods)?;
    text.push_str(&browser_page::items(display, pages));
    text.push_str(&crate::urls::items(&crate::urls::fixed(spec)));
    text.push_str(&hooks(&error_schema(display, &methods)?));
    text.push_str(&crate::success::item(&crate::success::unchecked(spec)));
    for builder in &settings.builders {
        if syn::parse_str::<syn::Path>(builder).is_err() {
            return Err(RegenError::Unsupported {
                file: display.to_owned(),
                operation: None,
                message: format!(
                    "the provider crate's `[package.metadata.regen] builders` names \
                     `{builder}`, which is not a Rust path (write e.g. `crate::MyClientBuilder`)"
                ),
            });
        }
        text.push_str(&BUILDER.replace("{builder}", builder));
    }
    let parsed = syn::parse_file(&text).map_err(|e| RegenError::Generator {
        file: display.to_owned(),
        operation: None,
        message: format!("the xtask's own wiring does not parse ({e}); fix `xtask/src/wiring.rs`"),
    })?;
    Ok(parsed.items)
}

/// Each method of the generated `impl Client` with its error type, `Error<E>`'s `E` as
/// written (`types::ErrorResponse`, or `()` for an operation that declares no error answer).
fn client_methods(file: &syn::File) -> BTreeMap<String, String> {
    crate::client_impl::methods(file)
        .filter_map(|f| Some((f.sig.ident.to_string(), error_type(&f.sig.output)?)))
        .collect()
}

/// `E` of a `Result<_, Error<E>>` return type, as tokens without spaces.
fn error_type(output: &syn::ReturnType) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(result) = &**ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &result.path.segments.last()?.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(error))) = args.args.iter().nth(1) else {
        return None;
    };
    let last = error.path.segments.last()?;
    if last.ident != "Error" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(e) = args.args.first()? else {
        return None;
    };
    Some(
        quote::ToTokens::to_token_stream(e)
            .to_string()
            .replace(' ', ""),
    )
}

/// The one error schema of the spec's operations: the hooks read every error answer of the
/// client as it (to scrub it, and to tell an unknown shape from the provider's).
fn error_schema(display: &str, methods: &BTreeMap<String, String>) -> Result<String, RegenError> {
    let mut uses: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (method, error) in methods {
        if error != "()" {
            uses.entry(error).or_default().push(method);
        }
    }
    let Some((schema, _)) = uses.iter().max_by_key(|(_, ops)| ops.len()) else {
        return Err(RegenError::Unsupported {
            file: display.to_owned(),
            operation: None,
            message: "no operation declares an error answer; declare the provider's error \
                      schema as the `4XX` and `5XX` responses (JSON), which the client's hooks \
                      read every error answer as"
                .into(),
        });
    };
    if uses.len() == 1 {
        return Ok((*schema).to_owned());
    }
    let others = uses[schema].join("`, `");
    let others = others.as_str();
    let errors: Vec<RegenError> = uses
        .iter()
        .filter(|(error, _)| *error != schema)
        .flat_map(|(error, ops)| {
            ops.iter().map(move |op| RegenError::Unsupported {
                file: display.to_owned(),
                operation: Some((*op).to_owned()),
                message: format!(
                    "its error answers are `{error}`, those of `{others}` are `{schema}`; the \
                     client's hooks read every error answer as one schema: give every \
                     operation the same one"
                ),
            })
        })
        .collect();
    Err(if errors.len() == 1 {
        errors.into_iter().next().expect("one error")
    } else {
        RegenError::Many(errors)
    })
}

/// `pub mod paths` with one constant per operation, named after its generated method, then
/// one per browser page.
fn paths(
    display: &str,
    spec: &OpenAPI,
    pages: &[Page],
    methods: &BTreeMap<String, String>,
) -> Result<String, RegenError> {
    let mut text = format!(
        "/// The path of every operation, as `{display}` declares it: for what is built rather than\n\
         /// sent by a generated method (an authorization URL a browser opens, an assertion's\n\
         /// audience). Written by the xtask.\n\
         pub mod paths {{\n"
    );
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let Some(id) = &op.operation_id else {
                continue;
            };
            let name = id.to_snake_case();
            if !methods.contains_key(&name) {
                return Err(RegenError::Generator {
                    file: display.to_owned(),
                    operation: Some(id.clone()),
                    message: format!(
                        "the generator wrote no method `{name}` for it; the xtask names path \
                         constants after the methods (update `wiring::paths`)"
                    ),
                });
            }
            let template = if path.contains('{') {
                " (a template: each `{…}` is a parameter)"
            } else {
                ""
            };
            text.push_str(&format!(
                "    /// `{} {path}`{template}: [`super::Client::{name}`].\n    \
                 pub const {}: &str = {path:?};\n",
                method.to_uppercase(),
                id.to_shouty_snake_case(),
            ));
        }
    }
    for page in pages {
        let host = page
            .server
            .as_ref()
            .map(|s| format!(" on `{s}`"))
            .unwrap_or_default();
        text.push_str(&format!(
            "    /// `GET {}`{host}: a page a browser opens (`{}`), no method; its host and\n    \
             /// query parameters are in [`super::pages`].\n    pub const {}: &str = {:?};\n",
            page.path,
            browser_page::EXTENSION,
            page.constant,
            page.path,
        ));
    }
    text.push_str("}\n");
    Ok(text)
}

/// The client made from a connection, and its hooks, reading error answers as `error`.
fn hooks(error: &str) -> String {
    HOOKS.replace("{error}", error)
}

const HOOKS: &str = r#"
/// The generated client's inner value, which its methods and hooks read through `&self`.
/// Written by the xtask.
#[derive(Clone, Debug)]
pub struct Inner {
    /// The body limit and the secrets the client holds ([`oauth_core::runtime::Connection::vetting`]),
    /// for the hooks.
    pub vetting: ::oauth_core::runtime::Vetting,
    /// The operations' URLs, parsed once.
    pub urls: Urls,
}

/// The client on a connection's base URL and HTTP client, with its body limit and secrets.
/// [`oauth_core::Error::Config`] when a path of the spec does not form a URL below the base
/// URL. Written by the xtask.
impl ::std::convert::TryFrom<&::oauth_core::runtime::Connection> for Client {
    type Error = ::oauth_core::Error;

    fn try_from(connection: &::oauth_core::runtime::Connection) -> ::oauth_core::Result<Self> {
        let inner = Inner {
            vetting: connection.vetting.clone(),
            urls: Urls::new(&connection.base)?,
        };
        Ok(Self::new_with_client(connection.base.as_str(), connection.http.clone(), inner))
    }
}

/// Every request through oauth-core: credential headers marked sensitive before it is sent
/// ([`oauth_core::runtime::prepare_request`]), the answer vetted before it is read
/// ([`oauth_core::runtime::execute`]: the body limit, redirects refused, error answers read as
/// [`{error}`], the error schema of the spec's operations, and scrubbed of secrets). Written
/// by the xtask.
impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut ::reqwest::Request,
        _info: &OperationInfo,
    ) -> ::std::result::Result<(), Error<E>> {
        ::oauth_core::runtime::prepare_request(request);
        Ok(())
    }

    // Not an `async fn`: `execute` hands the request to reqwest at once, so that no future
    // holds a copy of it.
    fn exec(
        &self,
        request: ::reqwest::Request,
        info: &OperationInfo,
    ) -> impl ::std::future::Future<Output = ::reqwest::Result<::reqwest::Response>> {
        ::oauth_core::runtime::execute::<{error}>(
            &self.client,
            request,
            info.operation_id,
            &self.inner.vetting,
            success(info.operation_id),
        )
    }
}
"#;

const BUILDER: &str = r#"
/// The connection options every client builder of this crate shares, over its `connection`
/// field. Written by the xtask for each builder `[package.metadata.regen] builders` lists in
/// the crate's `Cargo.toml`.
impl {builder} {
    /// Another base URL (tests, proxies, private deployments): `https`, or `http` on a
    /// loopback host only; checked by `build`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.connection.base_url = url.into();
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
        self.connection.http.timeout = timeout;
        self
    }

    /// Uses this `reqwest` client instead of building one. It must not follow redirects
    /// (`reqwest::redirect::Policy::none()`): a redirect from an OAuth endpoint could carry
    /// credentials to another host, and authorization redirects must be read, not followed.
    /// An answer from another URL than the request's is refused
    /// ([`Error::RedirectFollowed`](oauth_core::Error::RedirectFollowed)), but by then a
    /// client that follows redirects has sent the request on.
    pub fn http_client(mut self, client: ::reqwest::Client) -> Self {
        self.connection.reqwest = Some(client);
        self
    }

    /// The most bytes of a response body that are read (default 1 MiB); a longer answer
    /// is refused with [`Error::ResponseTooLarge`](oauth_core::Error::ResponseTooLarge).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.connection.body_limit = ::oauth_core::BodyLimit::new(bytes);
        self
    }

    /// The clock that stamps received tokens (tests inject a [`oauth_core::ManualClock`]).
    pub fn clock(mut self, clock: ::std::sync::Arc<dyn ::oauth_core::Clock>) -> Self {
        self.connection.clock = clock;
        self
    }
}
"#;
