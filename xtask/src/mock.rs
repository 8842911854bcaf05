//! The second output per provider: progenitor's typed `httpmock` extension,
//! `crates/<provider>/src/generated_mock.rs`, compiled behind the crate's `mock` feature.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use openapiv3::{OpenAPI, ReferenceOr};
use progenitor_impl::Generator;

use crate::{Provider, RegenError, generate};

/// The module path, inside the provider crate, that the mocks name the client's types by.
const CLIENT_MODULE: &str = "crate::generated";

const FORM: &str = "application/x-www-form-urlencoded";

impl Provider {
    /// `crates/<name>/src/generated_mock.rs`, beside [`Provider::output`].
    pub fn mock_output(&self) -> PathBuf {
        self.output.with_file_name("generated_mock.rs")
    }
}

/// Generates the complete text of a provider's `generated_mock.rs`.
///
/// Runs after the client generated from the same spec, so a spec the generator rejects has
/// already been reported with its operation; a failure here is progenitor's mock generator's own.
///
/// Browser pages (`x-browser-page`) get no mock: no method sends them.
pub fn generate_mock(display: &str, spec: &OpenAPI) -> Result<String, RegenError> {
    let spec = &crate::browser_page::without_pages(spec);
    let failure = |message: String| RegenError::Generator {
        file: display.to_owned(),
        operation: None,
        message: format!("httpmock generation: {message}"),
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&generate::settings()).httpmock(spec, CLIENT_MODULE)
    }));
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(failure(e.to_string())),
        Err(_) => return Err(failure("the generator panicked".to_owned())),
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        failure(format!(
            "the generator produced code that does not parse: {e}"
        ))
    })?;
    let body = patch(&prettyplease::unparse(&file), &form_paths(spec));
    Ok(format!("{}{body}", generate::header(display)))
}

/// The `(METHOD, path regex)` of every operation whose request body is form-encoded, spelled
/// the way progenitor writes them into each `When::new`.
fn form_paths(spec: &OpenAPI) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let is_form = match &op.request_body {
                Some(ReferenceOr::Item(body)) => body.content.contains_key(FORM),
                _ => false,
            };
            if is_form {
                out.push((method.to_uppercase(), wildcard(path)));
            }
        }
    }
    out
}

/// progenitor's `PathTemplate::as_wildcard`: each `{param}` matches one segment.
fn wildcard(path: &str) -> String {
    let mut out = String::from("^");
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push_str("[^/]*");
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out.push('$');
    out
}

/// Fixes, by text, what progenitor 0.15.1's httpmock output gets wrong for these crates.
/// (Its `regex::Regex` paths are kept: the crates' `mock` feature adds `regex`, which httpmock
/// already builds.)
///
/// Every typed answer and body matcher serializes through `oauth_core::secret::WithSecrets`,
/// so that the secrets in it are the values, not `[redacted]`.
///
/// It matches every request body with `json_body_obj`, but the OAuth token, revoke and
///   authorize endpoints are form-encoded: a JSON matcher never matches them. In the `When`
///   of a form-encoded operation the body matcher becomes [`FORM_HELPER`]'s `form_body`,
///   which requires each field the value serialises to as a form tuple.
fn patch(body: &str, form_ops: &[(String, String)]) -> String {
    // Each operation's `impl XWhen { pub fn new(..) .. }` block, split at the `impl` lines.
    let mut out = String::with_capacity(body.len() + FORM_HELPER.len());
    let mut patched_any = false;
    for (i, block) in body.split("\n    impl ").enumerate() {
        if i > 0 {
            out.push_str("\n    impl ");
        }
        let is_form = form_ops.iter().any(|(method, re)| {
            block.contains(&format!("::httpmock::Method::{method}"))
                && block.contains(&format!("regex::Regex::new(\"{re}\")"))
        });
        if is_form && block.contains("self.0.json_body_obj(value)") {
            patched_any = true;
            out.push_str(&block.replace("self.0.json_body_obj(value)", "form_body(self.0, value)"));
        } else {
            out.push_str(block);
        }
    }
    // Typed answers and body matchers serialize the generated types, whose secrets write
    // `[redacted]` unless serialized through `WithSecrets`: a mock must hold the values.
    out = out.replace(
        "json_body_obj(value)",
        "json_body_obj(&::oauth_core::secret::WithSecrets(value))",
    );
    if patched_any {
        out = out.replacen(
            "    use crate::generated::*;\n",
            &format!("    use crate::generated::*;\n{FORM_HELPER}"),
            1,
        );
    }
    out
}

/// Matches a form-encoded body field by field (added to `operations` by [`patch`]).
const FORM_HELPER: &str = r#"    /// Requires each field `value` serialises to as a form tuple of the request body.
    ///
    /// Added by the xtask: progenitor matches every body as JSON, but this operation's body
    /// is `application/x-www-form-urlencoded`.
    fn form_body<T: ::serde::Serialize>(when: ::httpmock::When, value: &T) -> ::httpmock::When {
        let ::serde_json::Value::Object(fields) = ::serde_json::to_value(::oauth_core::secret::WithSecrets(value))
            .unwrap_or_default() else {
            return when;
        };
        fields
            .into_iter()
            .fold(
                when.header("content-type", "application/x-www-form-urlencoded"),
                |when, (name, value)| match value {
                    ::serde_json::Value::Null => when.form_urlencoded_tuple_missing(name),
                    ::serde_json::Value::String(s) => when.form_urlencoded_tuple(name, s),
                    other => when.form_urlencoded_tuple(name, other.to_string()),
                },
            )
    }
"#;
