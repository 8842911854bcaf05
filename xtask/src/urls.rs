//! The URL of each operation without path parameters, parsed once when the client is made.
//!
//! progenitor formats every request's URL from the base URL and the path, and `reqwest` parses
//! it again: on a token exchange over loopback that parse was about a tenth of the client's
//! CPU (measured with `oauth-sdk-bench`). The generated client keeps those URLs instead, in
//! `Urls` (part of its inner value), and each such operation clones its own.

use openapiv3::{OpenAPI, ReferenceOr};

use crate::{RegenError, client_impl};

/// An operation whose path has no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fixed {
    /// The generated method's name, also the field of `Urls`.
    pub(crate) method: String,
    /// The name of its constant in `paths`.
    pub(crate) constant: String,
    /// The path, as the spec declares it.
    pub(crate) path: String,
}

/// Every operation of `spec` whose path has no parameters, in document order.
pub(crate) fn fixed(spec: &OpenAPI) -> Vec<Fixed> {
    use heck::{ToShoutySnakeCase, ToSnakeCase};
    let mut out = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        if path.contains('{') {
            continue;
        }
        for (_, op) in item.iter() {
            if let Some(id) = &op.operation_id {
                out.push(Fixed {
                    method: id.to_snake_case(),
                    constant: id.to_shouty_snake_case(),
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// Has each method of `fixed` clone its prepared URL instead of formatting one: progenitor's
/// `let url = format!("{}<path>", self.baseurl,);` becomes
/// `let url = self.inner.urls.<method>.clone();`. A method whose statement has another shape
/// is an error: progenitor changed, and this must follow.
pub(crate) fn rewrite(
    display: &str,
    file: &mut syn::File,
    fixed: &[Fixed],
) -> Result<(), RegenError> {
    let mut done = Vec::new();
    for f in client_impl::methods_mut(file) {
        let name = f.sig.ident.to_string();
        let Some(op) = fixed.iter().find(|op| op.method == name) else {
            continue;
        };
        for stmt in &mut f.block.stmts {
            if let syn::Stmt::Local(local) = stmt
                && let Some(init) = &mut local.init
                && formats_url(&init.expr, &op.path)
            {
                let field = syn::Ident::new(&op.method, proc_macro2::Span::call_site());
                *init.expr = syn::parse_quote!(self.inner.urls.#field.clone());
                done.push(name.clone());
                break;
            }
        }
    }
    match fixed.iter().find(|op| !done.contains(&op.method)) {
        None => Ok(()),
        Some(op) => Err(RegenError::Generator {
            file: display.to_owned(),
            operation: Some(op.method.clone()),
            message: format!(
                "the generated method does not format its URL as \
                 `format!(\"{{}}{}\", self.baseurl,)`; update `urls::rewrite`",
                op.path
            ),
        }),
    }
}

/// Whether `expr` is `format!("{}<path>", self.baseurl,)`.
fn formats_url(expr: &syn::Expr, path: &str) -> bool {
    use syn::punctuated::Punctuated;
    let syn::Expr::Macro(m) = expr else {
        return false;
    };
    if !m.mac.path.is_ident("format") {
        return false;
    }
    let Ok(args) = m
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    else {
        return false;
    };
    let mut args = args.iter();
    let is_template = matches!(
        args.next(),
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) if s.value() == format!("{{}}{path}")
    );
    let is_base = args
        .next()
        .is_some_and(|e| quote::ToTokens::to_token_stream(e).to_string() == "self . baseurl");
    is_template && is_base && args.next().is_none()
}

/// The `Urls` struct and its constructor, as source text.
pub(crate) fn items(fixed: &[Fixed]) -> String {
    let mut fields = String::new();
    let mut parsed = String::new();
    for op in fixed {
        fields.push_str(&format!(
            "    /// [`paths::{}`] below the base URL.\n    pub {}: ::reqwest::Url,\n",
            op.constant, op.method
        ));
        parsed.push_str(&format!(
            "            {}: base.endpoint(paths::{})?,\n",
            op.method, op.constant
        ));
    }
    format!(
        r#"
/// The URL of each operation without path parameters, parsed once when the client is made
/// (each request clones its own instead of formatting and parsing it). Written by the xtask.
#[derive(Clone, Debug)]
pub struct Urls {{
{fields}}}

impl Urls {{
    /// Each operation's URL below `base`.
    pub fn new(base: &::oauth_core::BaseUrl) -> ::oauth_core::Result<Self> {{
        Ok(Self {{
{parsed}        }})
    }}
}}
"#
    )
}
