//! Code generation: one wrapper for the whole stack, inside the user's own `async fn`.
//!
//! The signature is re-emitted from the user's tokens (only the return type changes, when a
//! wrapper that can fail is put on a function that does not return a `Result`). The body is moved
//! into an `async` block of its own, in a scope of its own, behind a never-run `return` of the
//! declared type; each layer of the stack wraps that future, innermost first (each attribute's
//! module writes its own layer). Nothing is boxed: the layers are `async` blocks and named futures
//! of the runtime, one state machine in the end.
//!
//! Every name we introduce is `__taskward_*` with `Span::mixed_site()`, so the body cannot see it
//! and lints treat it as ours; every path is absolute.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ReturnType;
use syn::spanned::Spanned;

use crate::attrs::graceful;
use crate::duration::{self, DurationArg};
use crate::item::{self, AsyncFn, Output};
use crate::stack::Stack;
use crate::{hooks, lints, policy, rerun};

/// The span of every name and path we introduce.
pub fn m() -> Span {
    Span::mixed_site()
}

/// Where a layer is: inside a rerunning layer (`#[supervised]`) the body runs more than once, so it
/// takes fresh copies of the arguments for each run, and `self` through a per-run re-borrow. Every
/// future moves what it uses (`async move`), so the call's future is `Send` exactly when the
/// body's is.
#[derive(Clone, Copy)]
pub struct Mode {
    pub rerun: bool,
}

/// A layer's code: a future, or a block that awaits its inner future inside.
pub enum Code {
    Future(TokenStream),
    Value(TokenStream),
}

/// The state of one expansion, which the attributes' `generate` write into.
pub struct Gen<'a> {
    pub func: &'a AsyncFn,
    pub stack: &'a Stack,
    /// Statics and `let`s that come before the wrapper.
    pub prelude: TokenStream,
}

fn move_token() -> syn::Token![move] {
    syn::Token![move](m())
}

/// `call` yields `Result<X, Error>`; when `X` is itself `Result<_, Error>`, flattens it.
pub fn flatten(call: TokenStream, inner_fallible: bool) -> Code {
    if inner_fallible {
        Code::Value(quote_spanned! {m()=> { ::taskward::__private::flatten(#call.await) } })
    } else {
        Code::Future(call)
    }
}

/// The function with the whole stack applied.
pub fn generate(stack: &Stack, func: &AsyncFn) -> TokenStream {
    let mut g = Gen {
        func,
        stack,
        prelude: TokenStream::new(),
    };
    let fn_name = func.sig.ident.to_string();
    g.prelude.extend(quote_spanned! {m()=>
        static __TASKWARD_META: ::taskward::__private::Meta =
            ::taskward::__private::Meta::new(::core::concat!(::core::module_path!(), "::", #fn_name));
    });
    g.prelude.extend(graceful::prelude(stack));
    g.prelude.extend(hooks::call());
    let (code, fallible) = g.layer(0, Mode { rerun: false });
    debug_assert_eq!(fallible, stack.can_fail());
    let value = match code {
        Code::Future(future) => quote_spanned!(m()=> #future.await),
        Code::Value(block) => block,
    };

    if fallible
        && let Output::Plain(ty) = func.output()
        && !item::mentions_impl_trait(ty)
        && !item::surely_not_result(ty)
    {
        // A `Result` under a name that does not end in `Result` would be wrapped twice: a compile
        // error at the return type says so.
        let at = m().located_at(ty.span());
        g.prelude.extend(quote_spanned! {at=>
            #[allow(unused_imports)]
            use ::taskward::__private::PlainCheck as _;
            ::taskward::__private::PlainOutput::<#ty>::new().check();
        });
    }
    let tail = match (fallible, func.output()) {
        (false, _) | (true, Output::Unit | Output::Plain(_)) => value,
        (true, Output::Result(ty)) => {
            let named = item::infer_impl_trait(ty);
            // The call is located at the return type: an error type without `From<Error>`, or
            // a type named `Result` that is not one, is reported there.
            let at = m().located_at(ty.span());
            let fail =
                quote_spanned! {at=> ::taskward::__private::fail::<#named>(__taskward_error) };
            quote_spanned! {m()=>
                match #value {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => #fail,
                }
            }
        }
    };

    let mut sig = func.sig.clone();
    if stack.plain_fn() {
        // `#[blocking]` on a plain `fn`: the call is a future, which awaits the body on the pool.
        sig.asyncness = Some(syn::Token![async](m()));
    }
    if fallible && func.boxed.is_none() {
        match func.output() {
            Output::Unit => {
                sig.output = syn::parse_quote_spanned! {m()=>
                    -> ::core::result::Result<(), ::taskward::Error>
                };
            }
            Output::Plain(ty) => {
                // Located at the user's return type: where a trait fixes it (a method of a
                // trait impl), the mismatch is reported there.
                let at = m().located_at(ty.span());
                sig.output = syn::parse_quote_spanned! {at=>
                    -> ::core::result::Result<#ty, ::taskward::Error>
                };
            }
            Output::Result(_) => {}
        }
    }
    if stack.copies_args() {
        rerun::signature(&mut sig);
    }

    let attrs = &func.attrs;
    let policy = policy::docs(stack, attrs);
    let vis = &func.vis;
    let defaultness = &func.defaultness;
    let prelude = &g.prelude;
    let warnings = lints::emit(stack, func);
    // The attributes below the first were taken off: keep the user's imports of them used.
    let paths = stack.layers.iter().filter_map(|layer| layer.path.as_ref());
    let uses = quote_spanned! {m()=>
        #(
            #[allow(unused_imports)]
            use #paths as _;
        )*
    };
    let body_span = func.body.span();
    let body = if func.boxed.is_some() {
        // Inside the boxed future of `#[async_trait]`.
        quote_spanned! {body_span=> {
            ::std::boxed::Box::pin(async move { #uses #prelude #warnings #tail })
        } }
    } else {
        quote_spanned! {body_span=> { #uses #prelude #warnings #tail } }
    };
    quote! {
        #(#attrs)*
        #policy
        #vis #defaultness #sig #body
    }
}

impl Gen<'_> {
    /// The future of layers `i..` (and the body), and whether it yields `Result<_, taskward::Error>`.
    pub fn chain(&mut self, i: usize, mode: Mode) -> (TokenStream, bool) {
        let (code, fallible) = self.layer(i, mode);
        let future = match code {
            Code::Future(future) => future,
            Code::Value(block) => {
                let mv = move_token();
                quote_spanned!(m()=> async #mv #block)
            }
        };
        (future, fallible)
    }

    /// Layer `i` as a future or as a block that awaits inside (the outermost layer is inlined in
    /// the function's body instead of becoming a future of its own).
    fn layer(&mut self, i: usize, mode: Mode) -> (Code, bool) {
        let stack = self.stack;
        match stack.layers.get(i) {
            Some(layer) => layer.opts.generate(self, i, mode),
            None => (Code::Future(self.body(mode)), false),
        }
    }

    /// The user's body in a future of its own.
    fn body(&self, mode: Mode) -> TokenStream {
        let mv = move_token();
        let (fake_return, body) = self.user_body(mode);
        let hook = hooks::run(self, false);
        quote_spanned! {body.span()=> async #mv { #fake_return #hook #body } }
    }

    /// The user's body in a `move` closure of its own, for a layer that runs it off the async
    /// executor (`#[blocking]`): the never-run return edge is the closure's, and so is a `return`
    /// or a `?` in the body.
    pub fn closure(&self, mode: Mode) -> TokenStream {
        let mv = move_token();
        let (fake_return, body) = self.user_body(mode);
        let hook = hooks::run(self, true);
        quote_spanned! {body.span()=> #mv || { #fake_return #hook #body } }
    }

    /// The never-run return edge of the declared type, and the user's body (its `self` renamed
    /// for a run of a rerunning layer) in braces of ours.
    fn user_body(&self, mode: Mode) -> (TokenStream, proc_macro2::Group) {
        let mut body = if mode.rerun && self.func.sig.receiver().is_some() {
            rerun::rename_self(&self.func.body)
        } else {
            self.func.body.clone()
        };
        // The braces are ours, located at the user's: the body keeps a scope of its own, and a
        // lint about those braces (`unused_braces` on a one-line body) does not take them for the
        // user's.
        body.set_span(m().located_at(self.func.body.span()));
        let fake_return = match &self.func.sig.output {
            // `#[async_trait]` has put a return edge of its own in the block.
            _ if self.func.boxed.is_some() => TokenStream::new(),
            ReturnType::Type(_, ty) if !self.func.returns_impl_trait() => {
                // The return edge is located at the return type, so that a mismatch in the body
                // says "return type inferred to be `T` here" at the user's `T`.
                let at = m().located_at(ty.span());
                let ty = item::infer_impl_trait(ty);
                let edge = quote_spanned!(at=> return __taskward_never;);
                quote_spanned! {m()=>
                    #[allow(
                        unknown_lints,
                        unreachable_code,
                        clippy::diverging_sub_expression,
                        clippy::empty_loop,
                        clippy::let_unit_value,
                        clippy::let_with_type_underscore,
                        clippy::needless_return,
                        clippy::unreachable
                    )]
                    if false {
                        let __taskward_never: #ty = loop {};
                        #edge
                    }
                }
            }
            _ => TokenStream::new(),
        };
        (fake_return, body)
    }

    /// A duration option as an expression: a literal in place, any other expression evaluated
    /// once in the prelude (before the body borrows anything).
    pub fn duration_arg(&mut self, i: usize, arg: &DurationArg) -> TokenStream {
        match arg {
            DurationArg::Lit { value, span } => duration::tokens(*value, m().located_at(*span)),
            DurationArg::Expr(expr) => {
                let name = quote::format_ident!("__taskward_duration_{}", i, span = m());
                let expr = &**expr;
                self.prelude.extend(quote_spanned! {m()=>
                    let #name: ::core::time::Duration = #expr;
                });
                quote_spanned!(m()=> #name)
            }
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod matrix;

#[cfg(test)]
mod never_panics;
