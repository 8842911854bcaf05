//! Keeps each operation's future small: the request is built in a block that ends before the
//! answer is awaited, and the answer is taken from the execution hook's result in a block that
//! ends before its body is read.
//!
//! progenitor's methods build the request (`url`, `header_map`, `request`) in the body of the
//! method, and keep the hook's `result` there too, so those locals keep their place in the
//! method's future after they are moved, and the futures it awaits are laid out beside them:
//! 1.2 KB for RingCentral's token request (measured with `-Zprint-type-sizes`), where every
//! caller's future, and with many requests in flight the working set, holds it. In blocks, their
//! storage ends before the next future is awaited:
//!
//! ```text
//! let info = OperationInfo { .. };
//! let response = {
//!     let result = {
//!         let url = ..; let mut header_map = ..; let mut request = ..build()?;
//!         self.pre(&mut request, &info).await?;
//!         self.exec(request, &info)
//!     }
//!     .await;
//!     self.post(&result, &info).await?;
//!     result?
//! };
//! ```

use crate::{RegenError, client_impl};

/// Rewrites every method of the generated `impl Client` as above. A method of another shape is
/// an error: progenitor changed, and this must follow.
pub(crate) fn rewrite(display: &str, file: &mut syn::File) -> Result<(), RegenError> {
    for f in client_impl::methods_mut(file).filter(|f| f.sig.asyncness.is_some()) {
        if !scope(&mut f.block.stmts) {
            return Err(RegenError::Generator {
                file: display.to_owned(),
                operation: Some(f.sig.ident.to_string()),
                message: "the generated method does not build, hook and send its request \
                      the way `request_scope::rewrite` knows; update it"
                    .into(),
            });
        }
    }
    Ok(())
}

/// The rewrite of one method's statements; `false` when they are not progenitor's shape.
fn scope(stmts: &mut Vec<syn::Stmt>) -> bool {
    let Some(at) = stmts.iter().position(|s| binds(s, "info")) else {
        return false;
    };
    let is = |i: usize, text: &str| {
        stmts
            .get(i)
            .is_some_and(|s| tokens(s) == text.replace(' ', ""))
    };
    if !is(at + 1, "self.pre(&mut request, &info).await?;")
        || !is(at + 2, "let result = self.exec(request, &info).await;")
        || !is(at + 3, "self.post(&result, &info).await?;")
        || !is(at + 4, "let response = result?;")
    {
        return false;
    }
    let rest = stmts.split_off(at + 5);
    stmts.truncate(at + 2);
    let pre = stmts.pop().expect("the pre hook's statement");
    let info = stmts.pop().expect("the `info` statement");
    let mut build = std::mem::take(stmts);
    build.push(pre);
    build.push(syn::Stmt::Expr(
        syn::parse_quote!(self.exec(request, &info)),
        None,
    ));
    let block = syn::Block {
        brace_token: Default::default(),
        stmts: build,
    };
    stmts.push(info);
    stmts.push(syn::parse_quote! {
        let response = {
            let result = #block.await;
            self.post(&result, &info).await?;
            result?
        };
    });
    stmts.extend(rest);
    true
}

/// Whether `stmt` is `let <name> = ..;`.
fn binds(stmt: &syn::Stmt, name: &str) -> bool {
    matches!(stmt, syn::Stmt::Local(syn::Local { pat: syn::Pat::Ident(p), .. }) if p.ident == name)
}

fn tokens(stmt: &syn::Stmt) -> String {
    quote::ToTokens::to_token_stream(stmt)
        .to_string()
        .replace(' ', "")
}
