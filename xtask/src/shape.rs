//! Checks for spec shapes that progenitor 0.15 panics on or silently mistranslates.
//!
//! Each rule here was measured against the generator (see `../shared/reference/README.md`):
//! a `default` response beside a success of another shape panics; so do several request media
//! types, a JSON success beside an empty one, and error responses of different shapes. Inline
//! response schemas get names derived from the operation and can collide. Catching these before
//! generation turns a panic into an error that names the operation and says what to change.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, Operation, ReferenceOr, Response, StatusCode};

/// One problem with one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `operationId`, or `METHOD /path` when the operation has none.
    pub operation: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Lists every problem in the spec, in document order.
pub fn check(spec: &OpenAPI) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            problems.push(Problem {
                operation: path.clone(),
                message: "path items must be written inline, not as `$ref`".into(),
            });
            continue;
        };
        for (method, op) in item.iter() {
            let label = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            let mut report = |message: String| {
                problems.push(Problem {
                    operation: label.clone(),
                    message,
                })
            };
            check_operation(spec, op, &mut report);
        }
    }
    problems
}

fn check_operation(spec: &OpenAPI, op: &Operation, report: &mut dyn FnMut(String)) {
    if op.operation_id.is_none() {
        report("has no `operationId`; the generated method is named after it".into());
    }
    if op.responses.default.is_some() {
        report(
            "declares a `default` response; declare `4XX`/`5XX` (one error shape) instead, \
             the generator panics when `default` differs from the success shape"
                .into(),
        );
    }
    if let Some(ReferenceOr::Item(body)) = &op.request_body {
        if body.content.len() > 1 {
            report(format!(
                "has {} request media types ({}); the generator supports exactly one",
                body.content.len(),
                body.content.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        for (media, content) in &body.content {
            if let Some(ReferenceOr::Item(_)) = &content.schema {
                report(format!(
                    "request body `{media}` has an inline schema; put it in `components/schemas` \
                     and `$ref` it so the generated type has a stable name"
                ));
            }
        }
    }

    let mut success = BTreeSet::new();
    let mut errors = BTreeSet::new();
    for (status, response) in &op.responses.responses {
        let Some(response) = resolve(spec, response) else {
            report(format!(
                "response {status} refers to a missing `components/responses` entry"
            ));
            continue;
        };
        if matches!(class(status), Class::Redirect) && !response.content.is_empty() {
            report(format!(
                "response {status} declares a body; a redirect's body is never read (the \
                 client's hooks hand redirects on unread, for their `Location`): declare none"
            ));
        }
        let shape = shape_of(response);
        for (media, content) in &response.content {
            if let Some(ReferenceOr::Item(_)) = &content.schema
                && media.contains("json")
            {
                report(format!(
                    "response {status} has an inline JSON schema; put it in \
                     `components/schemas` and `$ref` it (inline schemas are named after the \
                     operation and can silently take another type's name)"
                ));
            }
        }
        match class(status) {
            Class::Success => {
                success.insert(shape);
            }
            Class::Error => {
                errors.insert(shape);
            }
            Class::Redirect | Class::Other => {}
        }
    }
    if success.len() > 1 {
        report(format!(
            "has success responses of different shapes ({}); use one",
            success.into_iter().collect::<Vec<_>>().join(" / ")
        ));
    }
    if errors.len() > 1 {
        report(format!(
            "has error responses of different shapes ({}); use one error schema for all of them",
            errors.into_iter().collect::<Vec<_>>().join(" / ")
        ));
    }
}

enum Class {
    Success,
    Redirect,
    Error,
    Other,
}

fn class(status: &StatusCode) -> Class {
    match status {
        StatusCode::Code(c) if (200..300).contains(c) => Class::Success,
        StatusCode::Code(c) if (300..400).contains(c) => Class::Redirect,
        StatusCode::Code(c) if *c >= 400 => Class::Error,
        StatusCode::Range(2) => Class::Success,
        StatusCode::Range(3) => Class::Redirect,
        StatusCode::Range(4 | 5) => Class::Error,
        _ => Class::Other,
    }
}

pub(crate) fn resolve<'a>(
    spec: &'a OpenAPI,
    response: &'a ReferenceOr<Response>,
) -> Option<&'a Response> {
    match response {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// A comparable description of a response body: its media types and schema references.
fn shape_of(response: &Response) -> String {
    if response.content.is_empty() {
        return "empty".into();
    }
    response
        .content
        .iter()
        .map(|(media, content)| match &content.schema {
            Some(ReferenceOr::Reference { reference }) => format!("{media} {reference}"),
            Some(ReferenceOr::Item(_)) => format!("{media} inline"),
            None => media.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
