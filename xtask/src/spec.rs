//! Reading a spec file into an OpenAPI document, with errors that point at the file and line.

use std::path::Path;

use openapiv3::OpenAPI;

use crate::RegenError;

/// Parses `text` (YAML or JSON, chosen by the file extension) read from `display`.
///
/// Syntax errors name the file, line and column; a document that parses but is not a valid
/// OpenAPI 3.0 document names the path of the offending field.
pub fn parse(display: &str, path: &Path, text: &str) -> Result<OpenAPI, RegenError> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let value: serde_json::Value = if is_json {
        serde_json::from_str(text).map_err(|e| RegenError::Syntax {
            file: display.to_owned(),
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })?
    } else {
        serde_norway::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            RegenError::Syntax {
                file: display.to_owned(),
                line,
                column,
                message: strip_location(&e.to_string()),
            }
        })?
    };

    let version = value
        .get("openapi")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !version.starts_with("3.0.") {
        return Err(RegenError::Unsupported {
            file: display.to_owned(),
            operation: None,
            message: format!(
                "`openapi: {version}` is not supported; progenitor reads OpenAPI 3.0.x only"
            ),
        });
    }

    serde_path_to_error::deserialize(value).map_err(|e| RegenError::Schema {
        file: display.to_owned(),
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// serde_norway and serde_json append " at line L column C"; we report those separately.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
