//! Operations marked `x-browser-page: true`: pages a user's browser opens (an authorization
//! page on another host than the API, such as Cal.com's web app), declared in the spec so
//! that their path, host and query parameters come from it like every other operation's.
//!
//! The client never sends them: they are taken out of the spec before progenitor generates
//! methods and mocks (a method would be aimed at the API host), and the xtask writes their
//! path constant into `paths` and their host and query parameter names into `pages` instead.

use heck::ToShoutySnakeCase;
use openapiv3::{OpenAPI, Operation, Parameter, PathItem, ReferenceOr};

use crate::shape::Problem;

/// The extension that marks an operation as a browser page.
pub(crate) const EXTENSION: &str = "x-browser-page";

/// One operation marked as a browser page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// The name of its constants (`paths::<constant>`, `pages::<constant>_QUERY`).
    pub(crate) constant: String,
    /// The path, as the spec declares it.
    pub(crate) path: String,
    /// The one server the operation (or its path item) declares: the page's host.
    pub(crate) server: Option<String>,
    /// The names of its query parameters, in declaration order (path item's first).
    pub(crate) query: Vec<String>,
}

/// Whether `op` is marked `x-browser-page: true`.
fn is_page(op: &Operation) -> bool {
    op.extensions.get(EXTENSION) == Some(&serde_json::Value::Bool(true))
}

/// Every misuse of the extension: a value other than a boolean, or a page a browser cannot
/// open by following a URL (another method than GET, a request body, header or cookie
/// parameters, several servers).
pub(crate) fn check(spec: &OpenAPI) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let Some(value) = op.extensions.get(EXTENSION) else {
                continue;
            };
            let method = method.to_uppercase();
            let mut report = |message: String| {
                problems.push(Problem {
                    operation: op
                        .operation_id
                        .clone()
                        .unwrap_or_else(|| format!("{method} {path}")),
                    message: format!("`{EXTENSION}`: {message}"),
                })
            };
            if !value.is_boolean() {
                report(format!("is `{value}`; write `true` (or leave it out)"));
                continue;
            }
            if !is_page(op) {
                continue;
            }
            if method != "GET" {
                report(format!(
                    "on a {method}: a browser opens a page with GET; declare the page as a GET, \
                     or drop the extension to have a method generated"
                ));
            }
            if op.request_body.is_some() {
                report(
                    "the operation declares a request body; a browser opening a URL sends none"
                        .into(),
                );
            }
            for parameter in item.parameters.iter().chain(&op.parameters) {
                match resolve(spec, parameter) {
                    None => report(format!(
                        "parameter `{}` refers to a missing `components/parameters` entry",
                        reference(parameter)
                    )),
                    Some(Parameter::Header { parameter_data, .. })
                    | Some(Parameter::Cookie { parameter_data, .. }) => report(format!(
                        "parameter `{}` is a header or cookie; a browser opening a URL sends \
                         only its path and query",
                        parameter_data.name
                    )),
                    Some(_) => {}
                }
            }
            let servers = servers(item, op);
            if servers.len() > 1 {
                report(format!(
                    "declares {} servers; a page's URL has one host: declare one",
                    servers.len()
                ));
            }
        }
    }
    problems
}

/// Every browser page of `spec`, in document order. Call after [`check`] found nothing.
pub(crate) fn pages(spec: &OpenAPI) -> Vec<Page> {
    let mut out = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in item.iter().filter(|(_, op)| is_page(op)) {
            let Some(id) = &op.operation_id else {
                continue;
            };
            let query = item
                .parameters
                .iter()
                .chain(&op.parameters)
                .filter_map(|p| match resolve(spec, p)? {
                    Parameter::Query { parameter_data, .. } => Some(parameter_data.name.clone()),
                    _ => None,
                })
                .collect();
            out.push(Page {
                constant: id.to_shouty_snake_case(),
                path: path.clone(),
                server: servers(item, op).first().map(|s| s.url.clone()),
                query,
            });
        }
    }
    out
}

/// `spec` without its browser pages (and without path items left with no operation): what
/// progenitor generates methods and mocks from.
pub(crate) fn without_pages(spec: &OpenAPI) -> OpenAPI {
    let mut api = spec.clone();
    api.paths.paths.retain(|_, item| {
        let ReferenceOr::Item(item) = item else {
            return true;
        };
        for slot in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ] {
            if slot.as_ref().is_some_and(is_page) {
                *slot = None;
            }
        }
        item.iter().next().is_some()
    });
    api
}

/// The operation's servers, or else its path item's.
fn servers<'a>(item: &'a PathItem, op: &'a Operation) -> &'a [openapiv3::Server] {
    if op.servers.is_empty() {
        &item.servers
    } else {
        &op.servers
    }
}

/// The parameter `parameter` is or refers to (`#/components/parameters/...`).
fn resolve<'a>(spec: &'a OpenAPI, parameter: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    match parameter {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match spec.components.as_ref()?.parameters.get(name)? {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn reference(parameter: &ReferenceOr<Parameter>) -> &str {
    match parameter {
        ReferenceOr::Reference { reference } => reference,
        ReferenceOr::Item(p) => &p.parameter_data_ref().name,
    }
}

/// `pub mod pages`: each page's host (when the spec names one) and query parameter names, as
/// source text; nothing when the spec has no page.
pub(crate) fn items(display: &str, pages: &[Page]) -> String {
    if pages.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "\n/// What builds the URL of each page a browser opens (`{EXTENSION}` operations of\n\
         /// `{display}`; no method sends them): its host and the query parameters it reads.\n\
         /// Written by the xtask.\n\
         pub mod pages {{\n"
    );
    for page in pages {
        if let Some(server) = &page.server {
            text.push_str(&format!(
                "    /// The host of [`super::paths::{0}`], as its `servers` declares it.\n    \
                 pub const {0}_SERVER: &str = {server:?};\n",
                page.constant
            ));
        }
        text.push_str(&format!(
            "    /// The query parameters [`super::paths::{0}`] reads, as declared.\n    \
             pub const {0}_QUERY: &[&str] = &{1:?};\n",
            page.constant, page.query
        ));
    }
    text.push_str("}\n");
    text
}
