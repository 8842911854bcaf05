//! The methods of progenitor's generated client, which the rewrites and the wiring walk: the
//! functions of its inherent `impl Client` blocks (not of its trait impls).

/// Whether `block` is an inherent `impl Client`.
fn is_client_impl(block: &syn::ItemImpl) -> bool {
    let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
    is_client && block.trait_.is_none()
}

/// The client's methods in `file`, in file order.
pub(crate) fn methods(file: &syn::File) -> impl Iterator<Item = &syn::ImplItemFn> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(block) if is_client_impl(block) => Some(&block.items),
            _ => None,
        })
        .flatten()
        .filter_map(|inner| match inner {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}

/// [`methods`], to be rewritten.
pub(crate) fn methods_mut(file: &mut syn::File) -> impl Iterator<Item = &mut syn::ImplItemFn> {
    file.items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Impl(block) if is_client_impl(block) => Some(&mut block.items),
            _ => None,
        })
        .flatten()
        .filter_map(|inner| match inner {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}
