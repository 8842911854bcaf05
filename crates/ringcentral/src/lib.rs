//! placeholder
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused)]
pub mod generated;
mod hooks;
