//! What the regen tests share: a scratch workspace with one provider, and a spec it generates.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::fs;
use std::path::{Path, PathBuf};

/// One token operation with a request, a success and an error schema: a spec the generator
/// takes.
pub const GOOD: &str = r##"openapi: 3.0.3
info: { title: Demo, version: "1" }
paths:
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

/// A scratch workspace with one provider `demo` whose spec is `spec` (YAML).
pub struct Scratch {
    pub root: PathBuf,
}

impl Scratch {
    pub fn new(name: &str, spec: &str) -> Self {
        let root = std::env::temp_dir().join(format!("xtask-test-{name}-{}", std::process::id()));
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

    pub fn generated(&self) -> String {
        fs::read_to_string(self.root.join("crates/demo/src/generated.rs")).unwrap()
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn mock_path(&self) -> PathBuf {
        self.root.join("crates/demo/src/generated_mock.rs")
    }

    /// The file `file` of the provider's `src/`.
    pub fn read(&self, file: &str) -> String {
        fs::read_to_string(self.root.join("crates/demo/src").join(file)).unwrap()
    }

    pub fn mocks(&self) -> String {
        fs::read_to_string(self.mock_path()).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}
