//! Where connections are kept: a `FileStore` directory, or PostgreSQL.

use std::path::Path;
use std::sync::Arc;

use oauth_lifecycle::store::{AnyStore, FileStore};

/// Opens the store the options name.
pub async fn open(
    dir: &Path,
    postgres: Option<&str>,
) -> Result<Arc<AnyStore>, Box<dyn std::error::Error>> {
    match postgres {
        Some(url) => open_postgres(url).await,
        None => {
            // FileStore refuses a directory others can write; create it private.
            create_private_dir(dir)?;
            Ok(Arc::new(AnyStore::new(FileStore::new(dir)?)))
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str) -> Result<Arc<AnyStore>, Box<dyn std::error::Error>> {
    let store = oauth_lifecycle::store::PostgresStore::connect(url, "web_example_tokens").await?;
    store.migrate().await?;
    Ok(Arc::new(AnyStore::new(store)))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str) -> Result<Arc<AnyStore>, Box<dyn std::error::Error>> {
    Err("--postgres needs the postgres feature: cargo run -p oauth-web-example --features postgres -- --postgres URL".into())
}
