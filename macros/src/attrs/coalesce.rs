//! `#[coalesce]`: single flight. Concurrent calls with equal keys (the arguments, or `key = expr`
//! over them) share one run of the body, and each receives a clone of its output; a panic reaches
//! each as `Error::Panicked`.
//!
//! The run is kept in a `static` of the function's own while it lasts, so the body's future must
//! own what it uses: the arguments are owned (no references, no `self`), and the function is not
//! generic. The layer is the outermost of the stack: the callers share the whole call.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Pat, Type};

use super::{At, Attribute, Caps};
use crate::generate::{Code, Gen, Mode, flatten, m};
use crate::item::{AsyncFn, Output};
use crate::options::{RawArg, Seen, bare_ident, elsewhere, unknown};

/// `#[coalesce]` resolved.
#[derive(Clone, Default)]
pub struct Coalesce {
    /// `key = expr`: the key over the arguments; `None`: the arguments themselves, cloned.
    pub key: Option<Box<Expr>>,
}

impl Attribute for Coalesce {
    const NAME: &'static str = "coalesce";
    const OPTIONS: &'static [&'static str] = &["key"];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut opts = Coalesce::default();
        let mut seen = Seen::new();
        for arg in args {
            match arg {
                RawArg::Named { key, value } => {
                    seen.first(&key)?;
                    match key.unraw().to_string().as_str() {
                        "key" => opts.key = Some(Box::new(value)),
                        _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
                    }
                }
                RawArg::Positional(expr) => {
                    if let Some(key) = bare_ident(&expr)
                        && let Some(err) = elsewhere(Self::NAME, key)
                    {
                        return Err(err);
                    }
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "#[coalesce] takes no positional argument: calls with equal arguments share a run; to share by part of them, write `key = ...` (`#[coalesce(key = user.id)]`)",
                    ));
                }
            }
        }
        Ok(opts)
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: true,
            outermost: true,
            ..Caps::default()
        }
    }

    fn validate(&self, _span: Span, func: &AsyncFn) -> syn::Result<()> {
        let sig = &func.sig;
        if let Some(receiver) = sig.receiver() {
            return Err(syn::Error::new(
                receiver.self_token.span,
                "#[coalesce] keeps the shared run in a `static` while it lasts, so its body cannot borrow `self`: put #[coalesce] on a free function that takes owned arguments (clone what it needs out of `self`), and call it from the method",
            ));
        }
        if let Some(param) = sig.generics.type_params().next() {
            return Err(syn::Error::new(
                param.ident.span(),
                "#[coalesce] keeps one map of runs per function, so the function cannot be generic (the runs of two instances would be shared): write a function for each type, or take a concrete type",
            ));
        }
        if let Some(param) = sig.generics.const_params().next() {
            return Err(syn::Error::new(
                param.ident.span(),
                "#[coalesce] keeps one map of runs per function, so the function cannot be generic (the runs of two instances would be shared): take the constant as an argument",
            ));
        }
        for arg in &sig.inputs {
            let FnArg::Typed(arg) = arg else { continue };
            if let Some(span) = borrowed(&arg.ty) {
                return Err(syn::Error::new(
                    span,
                    "#[coalesce] keeps the shared run in a `static` while it lasts, so the arguments must be owned (`'static`): take `String` for `&str`, `Vec<T>` for `&[T]`, an `Arc<T>` for a `&T` (and `key = ..` over what identifies the call, if the whole value should not be the key)",
                ));
            }
            if let Type::ImplTrait(ty) = &*arg.ty {
                return Err(syn::Error::new(
                    ty.impl_token.span,
                    "#[coalesce] keeps one map of runs per function, so the function cannot be generic, and an `impl Trait` argument makes it generic: take a concrete type",
                ));
            }
            if self.key.is_none() && !matches!(&*arg.pat, Pat::Ident(pat) if pat.subpat.is_none()) {
                return Err(syn::Error::new_spanned(
                    &arg.pat,
                    "#[coalesce] makes its key of the arguments, by name: give this argument a name, or write `key = ...` over the arguments",
                ));
            }
        }
        if let Output::Plain(ty) | Output::Result(ty) = func.output()
            && crate::item::mentions_impl_trait(ty)
        {
            return Err(syn::Error::new_spanned(
                ty,
                "#[coalesce] hands each caller a clone of the output, so it must be a type it can name: write the concrete type",
            ));
        }
        Ok(())
    }

    fn policy(&self) -> String {
        let key = match &self.key {
            Some(key) => format!("the same key `{}`", show(key.to_token_stream())),
            None => "equal arguments".to_owned(),
        };
        format!(
            "- **coalesce**: concurrent calls with {key} share one run of the body, and each receives a clone of its output; a panic fails each with `Error::Panicked`."
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        let registry = format_ident!("__TASKWARD_FLIGHTS_{}", i, span = m());
        let key = format_ident!("__taskward_key_{}", i, span = m());
        // The key, and where an error about it points: the `key` expression, or the arguments.
        let (key_expr, key_at) = match &self.key {
            Some(expr) => {
                let expr = &**expr;
                (quote_spanned!(m()=> #expr), m().located_at(expr.span()))
            }
            None => {
                let parts = g.func.sig.inputs.iter().filter_map(|arg| match arg {
                    FnArg::Typed(arg) => match &*arg.pat {
                        Pat::Ident(pat) => {
                            let name = &pat.ident;
                            let at = m().located_at(arg.ty.span());
                            Some(quote_spanned!(at=> ::taskward::__private::coalesce::key_arg(&#name)))
                        }
                        _ => None,
                    },
                    FnArg::Receiver(_) => None,
                });
                let at = m().located_at(g.func.sig.paren_token.span.join());
                (quote_spanned!(m()=> ( #(#parts,)* )), at)
            }
        };
        // Evaluated before the body takes the arguments.
        g.prelude.extend(quote_spanned! {m()=>
            static #registry: ::taskward::__private::coalesce::Registry =
                ::taskward::__private::coalesce::Registry::new();
            let #key = #key_expr;
        });
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        // Located at the return type: an output that is not `Clone` is reported there.
        let at = match &g.func.sig.output {
            syn::ReturnType::Type(_, ty) => m().located_at(ty.span()),
            syn::ReturnType::Default => m(),
        };
        let join = quote_spanned!(at=> ::taskward::__private::coalesce::join);
        let mv = syn::Token![move](at);
        let body = quote_spanned!(at=> #mv || #inner);
        let key = format_ident!("__taskward_key_{}", i, span = key_at);
        let call = quote_spanned! {at=>
            #join(&#registry, &__TASKWARD_META, #key, #body)
        };
        (flatten(call, inner_fallible), true)
    }
}

/// The span of a borrow in an argument's type (`&T`, `&mut T`, a named lifetime), if any; a
/// `&'static T` is owned enough.
fn borrowed(ty: &Type) -> Option<Span> {
    fn walk(tokens: TokenStream) -> Option<Span> {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let is_static = |at: usize| {
            matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == '\'')
                && matches!(tokens.get(at + 1), Some(TokenTree::Ident(ident)) if ident == "static")
        };
        for (at, tt) in tokens.iter().enumerate() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '&' && !is_static(at + 1) => {
                    return Some(p.span());
                }
                TokenTree::Punct(p) if p.as_char() == '\'' && !is_static(at) => {
                    return Some(p.span());
                }
                TokenTree::Group(group) => {
                    if let Some(span) = walk(group.stream()) {
                        return Some(span);
                    }
                }
                _ => {}
            }
        }
        None
    }
    walk(ty.to_token_stream())
}

/// Tokens as the docs show them: without the spaces that `to_string` puts around punctuation.
fn show(tokens: TokenStream) -> String {
    tokens
        .to_string()
        .replace(" . ", ".")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests;
