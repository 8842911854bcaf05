//! `x-browser-page` operations: their path, host and query parameter names are emitted, no
//! method or mock is generated for them, and a misuse is an error naming spec and operation.

use std::fs;
use std::path::PathBuf;

use xtask::{Mode, regen};

/// A scratch workspace with one provider `demo` whose spec is `spec` (YAML).
struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn new(name: &str, spec: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("xtask-page-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("specs")).unwrap();
        fs::create_dir_all(root.join("crates/demo/src")).unwrap();
        fs::write(
            root.join("crates/demo/Cargo.toml"),
            "[package]\nname = \"demo\"\n",
        )
        .unwrap();
        fs::write(root.join("crates/demo/src/generated.rs"), "// before\n").unwrap();
        fs::write(root.join("specs/demo.yaml"), spec).unwrap();
        Self { root }
    }

    fn read(&self, file: &str) -> String {
        fs::read_to_string(self.root.join("crates/demo/src").join(file)).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// A token operation on the API and an authorization page on another host.
const SPEC: &str = r##"openapi: 3.0.3
info: { title: Demo, version: "1" }
servers: [{ url: "https://api.example" }]
paths:
  /authorize:
    get:
      operationId: authorize_page
      x-browser-page: true
      servers: [{ url: "https://app.example" }]
      parameters:
        - { name: client_id, in: query, required: true, schema: { type: string } }
        - { name: state, in: query, schema: { type: string } }
      responses:
        "200":
          description: the page
          content:
            text/html:
              schema: { type: string }
  /token:
    post:
      operationId: get_token
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Req" }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Res" }
        "4XX":
          description: error
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Err" }
components:
  schemas:
    Req: { type: object, properties: { a: { type: string } } }
    Res: { type: object, properties: { b: { type: string } } }
    Err: { type: object, properties: { error: { type: string } } }
"##;

#[test]
fn a_browser_page_gets_its_path_host_and_query_names_and_no_method_or_mock() {
    let s = Scratch::new("page", SPEC);
    regen(&s.root, &[], Mode::Write).unwrap();
    let client: String = s.read("generated.rs").split_whitespace().collect();
    for wanted in [
        "pub const AUTHORIZE_PAGE: &str = \"/authorize\";",
        "pub mod pages {",
        "pub const AUTHORIZE_PAGE_SERVER: &str = \"https://app.example\";",
        "pub const AUTHORIZE_PAGE_QUERY: &[&str] = &[\"client_id\", \"state\"];",
        // The API operation beside it is generated as before.
        "pub async fn get_token",
        "pub const GET_TOKEN: &str = \"/token\";",
    ] {
        let wanted: String = wanted.split_whitespace().collect();
        assert!(client.contains(&wanted), "{wanted}\n{client}");
    }
    // No method, prepared URL or mock is aimed at the API host for the page.
    for gone in [
        "fn authorize_page",
        "pub authorize_page:",
        "types::AuthorizePage",
    ] {
        assert!(!client.contains(gone), "{gone}");
    }
    let mocks = s.read("generated_mock.rs");
    assert!(mocks.contains("fn get_token<F>"));
    assert!(!mocks.contains("authorize_page"), "{mocks}");

    // Without the extension the same operation is a method like any other, and no `pages`.
    let plain = Scratch::new("plain", &SPEC.replace("      x-browser-page: true\n", ""));
    regen(&plain.root, &[], Mode::Write).unwrap();
    let client = plain.read("generated.rs");
    assert!(client.contains("pub async fn authorize_page"));
    assert!(!client.contains("pub mod pages"));
}

#[test]
fn a_misused_extension_is_an_error_naming_spec_and_operation() {
    let cases = [
        (
            "post",
            SPEC.replace(
                "  /authorize:\n    get:",
                "  /authorize:\n    post:",
            ),
            "on a POST",
        ),
        (
            "body",
            SPEC.replace(
                "      parameters:\n        - { name: client_id",
                "      requestBody:\n        content:\n          application/json:\n            schema: { $ref: \"#/components/schemas/Req\" }\n      parameters:\n        - { name: client_id",
            ),
            "request body",
        ),
        (
            "header",
            SPEC.replace(
                "{ name: state, in: query,",
                "{ name: state, in: header,",
            ),
            "parameter `state` is a header",
        ),
        (
            "servers",
            SPEC.replace(
                "servers: [{ url: \"https://app.example\" }]",
                "servers: [{ url: \"https://app.example\" }, { url: \"https://eu.app.example\" }]",
            ),
            "2 servers",
        ),
        (
            "value",
            SPEC.replace("x-browser-page: true", "x-browser-page: \"yes\""),
            "is `\"yes\"`",
        ),
    ];
    for (name, spec, wanted) in cases {
        assert_ne!(spec, SPEC, "{name}: the case changes the spec");
        let s = Scratch::new(name, &spec);
        let e = regen(&s.root, &[], Mode::Write).unwrap_err().to_string();
        assert!(
            e.starts_with("specs/demo.yaml: operation `authorize_page`: `x-browser-page`: ")
                && e.contains(wanted),
            "{name}: {e}"
        );
        assert_eq!(
            s.read("generated.rs"),
            "// before\n",
            "{name}: nothing written"
        );
    }
}
