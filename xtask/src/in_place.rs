//! Builds each operation's request in place instead of through `reqwest::RequestBuilder`.
//!
//! progenitor's methods collect the header parameters in a `HeaderMap` of their own, then chain
//! `self.client.post(url).header(..).json(..)..headers(header_map).build()?`: a builder that
//! holds a clone of the client, moves the whole request at every step, checks the URL for user
//! info and merges the header map into the request's. On a token exchange over loopback that
//! was about a twentieth of the client's CPU (measured with `oauth-sdk-bench`, instruction
//! counts with `valgrind --tool=callgrind`). The same request is written here as statements on
//! one `reqwest::Request`, through `oauth_core::runtime::request`, `json_body`, `form_body` and
//! `query`, which do what the builder's calls do; each header parameter is inserted into the
//! request as the builder's `headers` would have put it (replacing a header of that name).
//! Bodies are serialized through `oauth_core::secret::WithSecrets`: a secret type's own
//! `Serialize` writes `[redacted]` (so that a body in a log line shows no secret), and the body
//! on the wire must carry the values.
//!
//! ```text
//! let mut request = ::oauth_core::runtime::request(::reqwest::Method::POST, url)?;
//! request.headers_mut().append(ACCEPT, HeaderValue::from_static("application/json"));
//! ::oauth_core::runtime::form_body(&mut request, &::oauth_core::secret::WithSecrets(body))?;
//! if let Some(value) = authorization {
//!     request
//!         .headers_mut()
//!         .insert(HeaderName::from_static("authorization"), value.to_string().try_into()?);
//! }
//! ```
//!
//! A method whose request is built another way is an error: progenitor changed, and this must
//! follow.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

use crate::{RegenError, client_impl};

/// Rewrites the request of every method of the generated `impl Client` as above.
pub(crate) fn rewrite(display: &str, file: &mut syn::File) -> Result<(), RegenError> {
    for f in client_impl::methods_mut(file).filter(|f| f.sig.asyncness.is_some()) {
        if let Err(problem) = in_place(&mut f.block.stmts) {
            return Err(RegenError::Generator {
                file: display.to_owned(),
                operation: Some(f.sig.ident.to_string()),
                message: format!(
                    "the generated method builds its request in a way `in_place::rewrite` \
                 does not know ({problem}); update it"
                ),
            });
        }
    }
    Ok(())
}

/// The rewrite of one method's statements.
fn in_place(stmts: &mut Vec<syn::Stmt>) -> Result<(), String> {
    let at = stmts
        .iter()
        .position(|s| binds(s, "request"))
        .ok_or("no `let mut request`")?;
    let syn::Stmt::Local(local) = &stmts[at] else {
        unreachable!("`binds` matched a `let`");
    };
    let chain = &local.init.as_ref().ok_or("`request` has no value")?.expr;
    let built = built(chain)?;
    let header_map = stmts
        .iter()
        .position(|s| binds(s, "header_map"))
        .ok_or("no `let mut header_map`")?;
    if header_map > at {
        return Err("`header_map` is made after the request".into());
    }
    // The header parameters, written into the request instead of a map of their own.
    let mut parameters: Vec<syn::Stmt> = stmts.drain(header_map + 1..at).collect();
    let mut into_request = IntoRequest { problem: None };
    for stmt in &mut parameters {
        into_request.visit_stmt_mut(stmt);
    }
    if let Some(problem) = into_request.problem {
        return Err(problem);
    }
    // `header_map`'s own statement and the builder chain go; the request takes their place.
    stmts.splice(
        header_map..header_map + 2,
        built.into_iter().chain(parameters),
    );
    Ok(())
}

/// The statements that build the request `chain` builds.
fn built(chain: &syn::Expr) -> Result<Vec<syn::Stmt>, String> {
    let mut calls = Vec::new();
    let mut expr = chain;
    let head = loop {
        match expr {
            syn::Expr::Try(t) => expr = &t.expr,
            syn::Expr::MethodCall(call) if is_self_client(&call.receiver) => break call,
            syn::Expr::MethodCall(call) => {
                calls.push(call);
                expr = &call.receiver;
            }
            other => return Err(format!("`{}` in the chain", other.to_token_stream())),
        }
    };
    let method = match head.method.to_string().as_str() {
        "get" => quote::quote!(GET),
        "post" => quote::quote!(POST),
        "put" => quote::quote!(PUT),
        "patch" => quote::quote!(PATCH),
        "delete" => quote::quote!(DELETE),
        "head" => quote::quote!(HEAD),
        other => return Err(format!("`self.client.{other}`")),
    };
    let url = head.args.first().ok_or("no URL")?;
    let mut stmts: Vec<syn::Stmt> = vec![syn::parse_quote! {
        #[allow(unused_mut)]
        let mut request = ::oauth_core::runtime::request(::reqwest::Method::#method, #url)?;
    }];
    // A secret type's own `Serialize` writes `[redacted]` (so that a body in a log line shows
    // no secret); the body on the wire must carry the values.
    let wire_body = |args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>| {
        if args.to_token_stream().to_string() == "& body" {
            Ok(quote::quote!(&::oauth_core::secret::WithSecrets(body)))
        } else {
            Err(format!(
                "a body other than `&body`: `{}`",
                args.to_token_stream()
            ))
        }
    };
    for call in calls.into_iter().rev() {
        let args = &call.args;
        stmts.push(match call.method.to_string().as_str() {
            "header" => syn::parse_quote!(request.headers_mut().append(#args);),
            "json" => {
                let body = wire_body(args)?;
                syn::parse_quote!(::oauth_core::runtime::json_body(&mut request, #body)?;)
            }
            "form_urlencoded" => {
                let body = wire_body(args)?;
                syn::parse_quote!(::oauth_core::runtime::form_body(&mut request, #body)?;)
            }
            "query" => syn::parse_quote!(::oauth_core::runtime::query(&mut request, #args)?;),
            // The header parameters go into the request directly (see `IntoRequest`).
            "headers" if args.to_token_stream().to_string() == "header_map" => continue,
            "build" if args.is_empty() => continue,
            other => return Err(format!("`.{other}(..)` in the chain")),
        });
    }
    Ok(stmts)
}

/// Turns `header_map.append(name, value)` into `request.headers_mut().insert(name, value)`:
/// what `RequestBuilder::headers` does with a map whose names appear once each, as a
/// parameter's does.
struct IntoRequest {
    problem: Option<String>,
}

impl VisitMut for IntoRequest {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.receiver.to_token_stream().to_string() != "header_map" {
            return syn::visit_mut::visit_expr_method_call_mut(self, call);
        }
        if call.method != "append" {
            self.problem = Some(format!("`header_map.{}(..)`", call.method));
            return;
        }
        *call.receiver = syn::parse_quote!(request.headers_mut());
        call.method = syn::parse_quote!(insert);
        // The name as a `HeaderName` written in lower case, which is looked up among the
        // standard names without the case conversion a `&str` name takes on every request.
        if let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) = call.args.first_mut()
        {
            let lower = name.value().to_ascii_lowercase();
            // RFC 9110 §5.6.2 `token`: what `from_static` accepts (it panics on anything else).
            let is_token = !lower.is_empty()
                && lower
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
            if !is_token {
                self.problem = Some(format!("the header name {lower:?} is not an HTTP token"));
                return;
            }
            call.args[0] = syn::parse_quote!(::reqwest::header::HeaderName::from_static(#lower));
        }
        for arg in &mut call.args {
            self.visit_expr_mut(arg);
        }
    }

    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        if path.path.is_ident("header_map") {
            self.problem = Some("`header_map` used other than by `append`".into());
        }
    }
}

/// Whether `stmt` is `let <name> = ..;` (`mut` or not).
fn binds(stmt: &syn::Stmt, name: &str) -> bool {
    matches!(stmt, syn::Stmt::Local(syn::Local { pat: syn::Pat::Ident(p), .. }) if p.ident == name)
}

/// Whether `expr` is `self.client`.
fn is_self_client(expr: &syn::Expr) -> bool {
    expr.to_token_stream().to_string() == "self . client"
}
