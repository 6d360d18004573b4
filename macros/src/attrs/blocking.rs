//! `#[blocking]`: a plain `fn` becomes an `async fn` whose body runs on tokio's blocking pool
//! (`spawn_blocking`); a panic in it fails the call with `Error::Panicked`. It is the innermost
//! attribute of a stack: the others wrap the future of the blocking call.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{FnArg, Pat, ReceiverKind, Type};

use super::{At, Attribute, Caps};
use crate::generate::{Code, Gen, Mode, m};
use crate::item::{self, AsyncFn, Output};
use crate::options::{RawArg, bare_ident, elsewhere};

/// `#[blocking]` resolved: it takes no options.
#[derive(Clone)]
pub struct Blocking;

impl Attribute for Blocking {
    const NAME: &'static str = "blocking";
    const OPTIONS: &'static [&'static str] = &[];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        const NONE: &str = "#[blocking] takes no options: write `#[blocking]` (limit the blocking work with #[bounded] above it, give it a deadline with #[with_timeout])";
        match args.into_iter().next() {
            None => Ok(Blocking),
            Some(RawArg::Named { key, .. }) => {
                Err(elsewhere(Self::NAME, &key)
                    .unwrap_or_else(|| syn::Error::new(key.span(), NONE)))
            }
            Some(RawArg::Positional(expr)) => Err(bare_ident(&expr)
                .and_then(|key| elsewhere(Self::NAME, key))
                .unwrap_or_else(|| syn::Error::new_spanned(&expr, NONE))),
        }
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: true,
            plain_fn: true,
            ..Caps::default()
        }
    }

    /// What is moved to the blocking pool cannot borrow: a borrowed receiver or argument is
    /// refused here, with what to take instead. (That the rest is `Send` is checked by the
    /// compiler, with a message, at each argument.)
    fn validate(&self, _span: Span, func: &AsyncFn) -> syn::Result<()> {
        const WHY: &str = "#[blocking] moves the body to a thread of tokio's blocking pool, which runs on to its end even when the call's future is gone (a deadline, a caller that stops waiting), so it cannot borrow";
        if let Some(receiver) = func.sig.receiver() {
            let borrowed = match &receiver.kind {
                ReceiverKind::Reference(..) => true,
                ReceiverKind::Typed(_, ty) => borrows(ty),
                _ => false,
            };
            if borrowed {
                return Err(syn::Error::new_spanned(
                    receiver,
                    format!(
                        "{WHY} `self`: take `self: Arc<Self>` and call the method on a clone of the `Arc` (with a `Mutex` inside for what the body changes), or take `self` by value"
                    ),
                ));
            }
        }
        for arg in &func.sig.inputs {
            let FnArg::Typed(arg) = arg else { continue };
            if !borrows(&arg.ty) {
                continue;
            }
            let what = match &*arg.pat {
                Pat::Ident(pat) => format!("`{}`", pat.ident),
                _ => "this argument".to_owned(),
            };
            return Err(syn::Error::new_spanned(
                arg,
                format!(
                    "{WHY} its arguments, and {what} is a borrow: take an owned value (`String` for `&str`, `Vec<T>` for `&[T]`, `T` for `&T`), or share it in an `Arc`"
                ),
            ));
        }
        Ok(())
    }

    fn policy(&self) -> String {
        "- **blocking**: the body runs on tokio's blocking pool (`spawn_blocking`); a panic in it fails the call with `Error::Panicked`; a call whose future is dropped (a deadline, shutdown) leaves the body running to its end.".to_owned()
    }

    fn generate(&self, g: &mut Gen<'_>, _i: usize, mode: Mode) -> (Code, bool) {
        g.prelude.extend(send_checks(g.func));
        // The output is named where it can be, located at the return type: a type that cannot
        // come back from the pool is reported there.
        let output = match g.func.output() {
            Output::Unit => quote_spanned!(m()=> ()),
            Output::Plain(ty) | Output::Result(ty) => {
                let ty = item::infer_impl_trait(ty);
                quote_spanned!(m().located_at(ty.span())=> #ty)
            }
        };
        let closure = g.closure(mode);
        (
            Code::Future(quote_spanned! {m()=>
                ::taskward::__private::blocking::run::<#output, _>(&__TASKWARD_META, #closure)
            }),
            true,
        )
    }
}

/// The checks that `self` and each argument can be sent to the blocking pool, each located at its
/// type (or, for an `impl Trait` that cannot be named, at its name).
fn send_checks(func: &AsyncFn) -> TokenStream {
    let check = |ty: TokenStream, at: Span| {
        quote_spanned! {m().located_at(at)=>
            ::taskward::__private::blocking::arg::<#ty>();
        }
    };
    let mut checks = TokenStream::new();
    if let Some(receiver) = func.sig.receiver() {
        match &receiver.kind {
            ReceiverKind::Typed(_, ty) => {
                checks.extend(check(quote_spanned!(ty.span()=> #ty), ty.span()));
            }
            _ => {
                let at = receiver.self_token.span;
                checks.extend(check(quote_spanned!(at=> Self), at));
            }
        }
    }
    for arg in &func.sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        // `#[cfg(..)]` on the argument applies to its check too.
        let attrs = &arg.attrs;
        let ty = &*arg.ty;
        if !item::mentions_impl_trait(ty) {
            checks.extend(quote!(#(#attrs)*));
            checks.extend(check(quote_spanned!(ty.span()=> #ty), ty.span()));
        } else if let Pat::Ident(pat) = &*arg.pat {
            let name = &pat.ident;
            checks.extend(quote_spanned! {m().located_at(ty.span())=>
                #(#attrs)*
                ::taskward::__private::blocking::arg_value(&#name);
            });
        }
    }
    checks
}

/// Whether a type borrows: a reference or a lifetime other than `'static` anywhere in it, except
/// inside function types and `Fn(..)` bounds, whose lifetimes are their own (`fn(&str)`,
/// `Box<dyn Fn(&str) + Send>`).
fn borrows(ty: &Type) -> bool {
    struct Borrows(bool);
    impl VisitMut for Borrows {
        fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
            if reference
                .lifetime
                .as_ref()
                .is_none_or(|lifetime| lifetime.ident != "static")
            {
                self.0 = true;
            }
            visit_mut::visit_type_reference_mut(self, reference);
        }
        fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
            if lifetime.ident != "static" {
                self.0 = true;
            }
        }
        fn visit_type_fn_ptr_mut(&mut self, _: &mut syn::TypeFnPtr) {}
        fn visit_parenthesized_generic_arguments_mut(
            &mut self,
            _: &mut syn::ParenthesizedGenericArguments,
        ) {
        }
        fn visit_trait_bound_mut(&mut self, bound: &mut syn::TraitBound) {
            // `for<'a> Trait<'a>`: the lifetimes are the bound's own.
            if bound.lifetimes.is_none() {
                visit_mut::visit_trait_bound_mut(self, bound);
            }
        }
    }
    let mut found = Borrows(false);
    found.visit_type_mut(&mut ty.clone());
    found.0
}

#[cfg(test)]
mod tests;
