//! `x-browser-page` operations: their path, host and query parameter names are emitted, no
//! method or mock is generated for them, and a misuse is an error naming spec and operation.

use scratch::{GOOD, Scratch};
use xtask::{Mode, regen};

mod scratch;

/// [`GOOD`]'s token operation on the API and an authorization page on another host.
fn spec() -> String {
    GOOD.replacen(
        "paths:\n",
        &format!("servers: [{{ url: \"https://api.example\" }}]\npaths:\n{PAGE}"),
        1,
    )
}

/// The authorization page, a `paths` entry.
const PAGE: &str = r##"  /authorize:
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
"##;

#[test]
fn a_browser_page_gets_its_path_host_and_query_names_and_no_method_or_mock() {
    let s = Scratch::new("page", &spec());
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
    let plain = Scratch::new("plain", &spec().replace("      x-browser-page: true\n", ""));
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
            spec().replace(
                "  /authorize:\n    get:",
                "  /authorize:\n    post:",
            ),
            "on a POST",
        ),
        (
            "body",
            spec().replace(
                "      parameters:\n        - { name: client_id",
                "      requestBody:\n        content:\n          application/json:\n            schema: { $ref: \"#/components/schemas/Req\" }\n      parameters:\n        - { name: client_id",
            ),
            "request body",
        ),
        (
            "header",
            spec().replace(
                "{ name: state, in: query,",
                "{ name: state, in: header,",
            ),
            "parameter `state` is a header",
        ),
        (
            "servers",
            spec().replace(
                "servers: [{ url: \"https://app.example\" }]",
                "servers: [{ url: \"https://app.example\" }, { url: \"https://eu.app.example\" }]",
            ),
            "2 servers",
        ),
        (
            "value",
            spec().replace("x-browser-page: true", "x-browser-page: \"yes\""),
            "is `\"yes\"`",
        ),
    ];
    for (name, misused, wanted) in cases {
        assert_ne!(misused, spec(), "{name}: the case changes the spec");
        let s = Scratch::new(name, &misused);
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
