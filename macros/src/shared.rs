//! `in = NAME` or `in = EXPR`: a limit shared with other functions or kept per instance
//! (`#[bounded]`'s bulkhead, `#[rate_limited]`'s rate limit, `#[circuit_breaker]`'s breaker). A
//! path that is not an argument names a `static`, referred to from a `static` of ours, so that a
//! `const` (a new limit at every use, which limits nothing) is a compile error there; any other
//! expression is evaluated once per call, before the body borrows anything, through the
//! attribute's `handle` (an `Arc` is cloned, a reference kept).

use proc_macro2::TokenStream;
use quote::{format_ident, quote_spanned};
use syn::Expr;
use syn::spanned::Spanned;

use crate::generate::{Gen, m};
use crate::item::{self, AsyncFn};

/// The kind of shared limit, for the generated code.
pub struct Kind {
    /// `::taskward::Bulkhead`.
    pub ty: TokenStream,
    /// `::taskward::__private::bounded::handle`.
    pub handle: TokenStream,
    /// The name of our `static` for `in = NAME`: `__TASKWARD_SHARED` + `_{i}`.
    pub static_prefix: &'static str,
    /// The name of the call's handle for `in = EXPR`: `__taskward_bulkhead` + `_{i}`.
    pub handle_prefix: &'static str,
}

/// Whether `in = PATH` names a `static` (a path that is not an argument of the function).
pub fn static_path(shared: &Expr, func: &AsyncFn) -> bool {
    let Expr::Path(path) = shared else {
        return false;
    };
    match path.path.get_ident() {
        Some(ident) => !item::argument_names(&func.sig).any(|arg| arg == *ident),
        None => path.qself.is_none(),
    }
}

/// The shared limit of layer `i` as an expression of type `&Limit`, with what it needs in the
/// prelude.
pub fn reference(g: &mut Gen<'_>, i: usize, shared: &Expr, kind: &Kind) -> TokenStream {
    let ty = &kind.ty;
    if static_path(shared, g.func) {
        let name = format_ident!("{}_{}", kind.static_prefix, i, span = m());
        let at = m().located_at(shared.span());
        let reference = quote_spanned!(at=> &#shared);
        g.prelude.extend(quote_spanned! {m()=>
            static #name: &#ty = #reference;
        });
        quote_spanned!(m()=> #name)
    } else {
        let name = format_ident!("{}_{}", kind.handle_prefix, i, span = m());
        // The path of `handle` at the expression too: a value that is not a limit is reported
        // there.
        let handle: TokenStream = kind
            .handle
            .clone()
            .into_iter()
            .map(|mut tt| {
                tt.set_span(shared.span());
                tt
            })
            .collect();
        let take = quote_spanned!(shared.span()=> #handle(#shared));
        g.prelude.extend(quote_spanned! {m()=>
            let #name = #take;
            let #name: &#ty = &*#name;
        });
        quote_spanned!(m()=> #name)
    }
}

/// Why a `const` limit cannot be the function's own `static` (it is fixed at compile time, one for
/// every instantiation, and cannot see the impl).
pub enum NotConst<'a> {
    /// `Self::LIMIT`.
    NamesSelf,
    /// A name that is an argument of the function.
    Argument(&'a syn::Ident),
    /// A name that is a const generic parameter of the function.
    ConstParam(&'a syn::Ident),
}

/// The problem, if any, with `limit` as the limit of a function's own `static`.
pub fn not_const<'a>(limit: &'a syn::ExprPath, func: &AsyncFn) -> Option<NotConst<'a>> {
    if limit
        .path
        .segments
        .first()
        .is_some_and(|s| s.ident == "Self")
    {
        return Some(NotConst::NamesSelf);
    }
    let ident = limit.path.get_ident()?;
    if item::argument_names(&func.sig).any(|arg| arg == *ident) {
        Some(NotConst::Argument(ident))
    } else if func
        .sig
        .generics
        .const_params()
        .any(|param| param.ident == *ident)
    {
        Some(NotConst::ConstParam(ident))
    } else {
        None
    }
}
