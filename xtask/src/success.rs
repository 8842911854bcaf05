//! How the hooks read each operation's success answer (`oauth_core::runtime::Success`).
//!
//! Some servers put an error inside a 200, so the hooks read a success body as the error schema
//! too, and scrub it when it reports an error (`Checked`). That look costs about 1 % of a token
//! exchange's client CPU, and for some operations it cannot change the outcome: when the
//! success schema requires a property the error schema does not declare (a token answer's
//! `access_token`), an answer that reads as the success type is not an error answer, and one
//! that does not is looked at as the error schema afterwards, by `oauth_core::http::
//! from_response` (`Unchecked`). Operations whose success type could read an error body (every
//! property optional) stay `Checked`: the provider crate finds the error in what they read.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, Type};

use crate::shape;

/// The generated method names of the operations read `Unchecked`, in document order.
pub(crate) fn unchecked(spec: &OpenAPI) -> Vec<String> {
    use heck::ToSnakeCase;
    let mut out = Vec::new();
    for (_, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in item.iter() {
            let Some(id) = &op.operation_id else {
                continue;
            };
            let schemas = |is_wanted: fn(&StatusCode) -> bool| {
                op.responses
                    .responses
                    .iter()
                    .filter(|(status, _)| is_wanted(status))
                    .filter_map(|(_, response)| shape::resolve(spec, response))
                    .flat_map(|response| response.content.iter())
                    .filter(|(media, _)| media.contains("json"))
                    .filter_map(|(_, content)| object(spec, content.schema.as_ref()?))
                    .collect::<Vec<_>>()
            };
            let successes =
                schemas(|s| matches!(s, StatusCode::Code(200..=299) | StatusCode::Range(2)));
            let errors =
                schemas(|s| matches!(s, StatusCode::Code(400..) | StatusCode::Range(4 | 5)));
            let [success] = successes.as_slice() else {
                continue;
            };
            let Some(error) = errors.first() else {
                continue;
            };
            let declared: BTreeSet<&String> = error.properties.keys().collect();
            if success.required.iter().any(|name| !declared.contains(name)) {
                out.push(id.to_snake_case());
            }
        }
    }
    out
}

/// The object schema `schema` is or refers to (`#/components/schemas/...`).
fn object<'a>(
    spec: &'a OpenAPI,
    schema: &'a ReferenceOr<Schema>,
) -> Option<&'a openapiv3::ObjectType> {
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match spec.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { .. } => return None,
            }
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => Some(object),
        _ => None,
    }
}

/// The function the hooks call to choose, as source text.
pub(crate) fn item(unchecked: &[String]) -> String {
    let arms: String = unchecked
        .iter()
        .map(|method| format!("        {method:?} => ::oauth_core::runtime::Success::Unchecked,\n"))
        .collect();
    format!(
        r#"
/// How the hooks read each operation's success answer: `Unchecked` for the operations whose
/// success schema requires a property the error schema does not declare (an answer that reads
/// as their success type is no error), `Checked` for the rest. Written by the xtask.
fn success(operation: &str) -> ::oauth_core::runtime::Success {{
    match operation {{
{arms}        _ => ::oauth_core::runtime::Success::Checked,
    }}
}}
"#
    )
}
