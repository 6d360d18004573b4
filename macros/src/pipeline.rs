//! The pipeline, by stage: parse the function, collect the stack (parsing each attribute's
//! options), validate, generate; on any error, fall back to the user's item with the error. The
//! stages are thin: what is particular to an attribute lives in its module under `attrs`.

use proc_macro2::TokenStream;

use crate::attrs::{At, Attr, Kind};
use crate::item::AsyncFn;
use crate::krate::Krate;
use crate::{fallback, generate, stack, validate};

/// Expands the attribute `kind` with arguments `args` on `item`. On any error, `item` is emitted
/// as it was, with the error.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: AsyncFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => return fallback::unparsed(kind, err, item),
    };
    let mut krate = Krate::find();
    match expand_fn(kind, args, &mut func, &mut krate) {
        Ok(tokens) => krate.apply(tokens),
        Err(err) => fallback::with_error(&err, func, krate.name.as_deref()),
    }
}

fn expand_fn(
    kind: Kind,
    args: TokenStream,
    func: &mut AsyncFn,
    krate: &mut Krate,
) -> syn::Result<TokenStream> {
    let first = Attr::parse(kind, &At::call_site(), args);
    if let Ok(Attr {
        krate: Some(path), ..
    }) = &first
    {
        krate.given(path);
    }
    let stack = stack::collect(kind, first, func, krate.name.as_deref())?;
    if let Some(path) = stack.layers.iter().find_map(|layer| layer.krate.as_ref()) {
        krate.given(path);
    }
    validate::validate(&stack, func)?;
    Ok(generate::generate(&stack, func))
}
