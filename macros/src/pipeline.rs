//! The pipeline, by stage: parse the function, collect the stack (parsing each attribute's
//! options), check the body for async pitfalls, validate, generate; on any error, fall back to the
//! user's item with the error. The stages are thin: what is particular to an attribute lives in
//! its module under `attrs`.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::attrs::{At, Attr, Kind};
use crate::item::AsyncFn;
use crate::krate::Krate;
use crate::{check, fallback, generate, stack, validate};

/// Expands the attribute `kind` with arguments `args` on `item`. On any error, `item` is emitted
/// as it was, with the error.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: AsyncFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => return fallback::unparsed(kind, err, item),
    };
    // The body as written, for the checks; the emitted one loses its statement-level
    // `#[check(allow(..))]`.
    let written = func.body.clone();
    check::strip::strip(&mut func);
    let mut krate = Krate::find();
    match expand_fn(kind, args, &mut func, &written, &mut krate) {
        Ok(tokens) => krate.apply(tokens),
        Err(err) => fallback::with_error(&err, func, krate.name.as_deref()),
    }
}

fn expand_fn(
    kind: Kind,
    args: TokenStream,
    func: &mut AsyncFn,
    written: &proc_macro2::Group,
    krate: &mut Krate,
) -> syn::Result<TokenStream> {
    let first = Attr::parse(kind, &At::call_site(), args);
    if let Ok(Attr {
        krate: Some(path), ..
    }) = &first
    {
        krate.given(path);
    }
    let mut stack = stack::collect(kind, first, func, krate.name.as_deref())?;
    if let Some(path) = stack.layers.iter().find_map(|layer| layer.krate.as_ref()) {
        krate.given(path);
    }
    if check::only(&stack) {
        // No wrapper: the function as written, with the warnings. A plain `fn` (or one that
        // `#[tokio::main]` has rewritten) is sync code, whose `async` blocks are checked.
        let runs_async = func.sig.asyncness.is_some() || func.boxed.is_some();
        let warnings = check::for_stack(&stack, written, runs_async);
        return Ok(check::into_body(func.to_token_stream(), warnings));
    }
    check::take_out(&mut stack);
    validate::validate(&stack, func)?;
    // The body of `#[blocking]` runs on the blocking pool: blocking calls belong there.
    let warnings = check::for_stack(&stack, written, !stack.plain_fn());
    Ok(check::into_body(generate::generate(&stack, func), warnings))
}
