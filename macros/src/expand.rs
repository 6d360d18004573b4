//! Code generation: one wrapper for the whole stack, inside the user's own `async fn`.
//!
//! The signature is re-emitted from the user's tokens (only the return type changes, when a
//! wrapper that can fail is put on a function that does not return a `Result`). The body is moved
//! into an `async` block of its own, in a scope of its own, behind a never-run `return` of the
//! declared type; each layer of the stack wraps that future, innermost first. Nothing is boxed:
//! the layers are `async` blocks and `async fn`s of the runtime, one state machine in the end.
//!
//! Every name we introduce is `__taskward_*` with `Span::mixed_site()`, so the body cannot see it
//! and lints treat it as ours; every path is absolute.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReturnType, Type};

use crate::attr::{
    Attr, BoundedOpts, DurationArg, GracefulOpts, Kind, Limit, Opts, SupervisedOpts,
};
use crate::fallback;
use crate::item::{self, AsyncFn, Output};
use crate::stack::{self, Stack};

/// Expands the attribute `kind` with arguments `args` on `item`. On any error, `item` is emitted
/// as it was, with the error.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: AsyncFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => return fallback::unparsed(&err, item),
    };
    match expand_fn(kind, args, &mut func) {
        Ok(tokens) => tokens,
        Err(err) => fallback::with_error(&err, func),
    }
}

fn expand_fn(kind: Kind, args: TokenStream, func: &mut AsyncFn) -> syn::Result<TokenStream> {
    let first = Attr::parse(kind, Span::call_site(), args);
    let stack = stack::collect(kind, first, func)?;
    validate(&stack, func)?;
    Ok(generate(&stack, func))
}

/// Checks of the function against the stack (the options were checked while parsing).
fn validate(stack: &Stack, func: &AsyncFn) -> syn::Result<()> {
    let first = &stack.layers[0];
    if func.boxed.is_some() {
        if stack.can_fail() && !matches!(func.output(), Output::Result(_)) {
            return Err(syn::Error::new(
                func.sig.ident.span(),
                "with #[async_trait] the trait fixes the signature, so a taskward attribute that can fail needs this method to return a `Result` whose error type implements `From<taskward::Error>`",
            ));
        }
    } else if func.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            func.sig.fn_token.span,
            format!(
                "#[{}] goes on an `async fn`: write `async fn {}`",
                first.kind.name(),
                func.sig.ident
            ),
        ));
    }
    if let Some(constness) = &func.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "taskward attributes cannot go on a `const fn`",
        ));
    }
    if let Some(rerun) = stack.layers.iter().find(|layer| layer.kind.reruns())
        && let Some(receiver) = func.sig.receiver()
        && matches!(receiver.kind, syn::ReceiverKind::Value)
    {
        return Err(syn::Error::new(
            receiver.self_token.span,
            format!(
                "#[{}] runs the body more than once, so it cannot take `self` by value; take `&self` or `&mut self`, or clone what the body needs into an argument",
                rerun.kind.name()
            ),
        ));
    }
    Ok(())
}

/// Where a layer is: inside a rerunning layer (`#[supervised]`) the body runs more than once, so it
/// takes fresh copies of the arguments for each run, and `self` through a per-run re-borrow
/// (`__taskward_self`). Every future moves what it uses (`async move`), so the call's future is
/// `Send` exactly when the body's is.
#[derive(Clone, Copy)]
struct Mode {
    rerun: bool,
}

fn move_token() -> syn::Token![move] {
    syn::Token![move](m())
}

/// The name the body's `self` takes inside a rerunning layer, with the hygiene of the user's
/// tokens so that the renamed body sees it.
fn self_alias(span: Span) -> syn::Ident {
    syn::Ident::new("__taskward_self", span)
}

/// Renames `self` (not `self::` paths) in the body's tokens, inside macro calls too, but not in
/// nested `impl` blocks, whose methods have a `self` of their own.
fn rename_self(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    let mut in_impl = false;
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Ident(ident) if ident == "impl" || ident == "trait" => {
                in_impl = true;
                out.push(TokenTree::Ident(ident));
            }
            TokenTree::Ident(ident) if ident == "self" && !in_impl => {
                let is_path =
                    matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if is_path {
                    out.push(TokenTree::Ident(ident));
                } else {
                    out.push(TokenTree::Ident(self_alias(ident.span())));
                }
            }
            TokenTree::Group(group)
                if in_impl && group.delimiter() == proc_macro2::Delimiter::Brace =>
            {
                in_impl = false;
                out.push(TokenTree::Group(group));
            }
            TokenTree::Group(group) if !in_impl => {
                let mut renamed = Group::new(group.delimiter(), rename_self(group.stream()));
                renamed.set_span(group.span());
                out.push(TokenTree::Group(renamed));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// A layer's code: a future, or a block that awaits its inner future inside.
enum Code {
    Future(TokenStream),
    Value(TokenStream),
}

struct Gen<'a> {
    func: &'a AsyncFn,
    stack: &'a Stack,
    /// Statics and `let`s that come before the wrapper.
    prelude: TokenStream,
}

fn m() -> Span {
    Span::mixed_site()
}

fn generate(stack: &Stack, func: &AsyncFn) -> TokenStream {
    let mut g = Gen {
        func,
        stack,
        prelude: TokenStream::new(),
    };
    let fn_name = func.sig.ident.to_string();
    let meta = quote_spanned! {m()=>
        static __TASKWARD_META: ::taskward::__private::Meta =
            ::taskward::__private::Meta::new(::core::concat!(::core::module_path!(), "::", #fn_name));
    };
    g.prelude.extend(meta);
    if let Some(graceful) = stack.position(Kind::Graceful)
        && let Opts::Graceful(GracefulOpts {
            shutdown: Some(expr),
            ..
        }) = &stack.layers[graceful].opts
    {
        let expr = &**expr;
        let ty = quote_spanned!(expr.span()=> &::taskward::Shutdown);
        g.prelude.extend(quote_spanned! {m()=>
            let __taskward_shutdown: #ty = #expr;
            // A handle of our own: the expression may borrow `self`, which the body needs.
            let __taskward_shutdown: ::taskward::Shutdown = ::core::clone::Clone::clone(__taskward_shutdown);
            let __taskward_shutdown = &__taskward_shutdown;
        });
    }
    let (code, fallible) = g.layer(0, Mode { rerun: false });
    debug_assert_eq!(fallible, stack.can_fail());
    let value = match code {
        Code::Future(future) => quote_spanned!(m()=> #future.await),
        Code::Value(block) => block,
    };

    let tail = match (fallible, func.output()) {
        (false, _) | (true, Output::Unit | Output::Plain(_)) => value,
        (true, Output::Result(ty)) => {
            let fail = quote_spanned! {ty.span()=> ::taskward::__private::fail::<#ty> };
            quote_spanned! {m()=>
                match #value {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => #fail(__taskward_error),
                }
            }
        }
    };

    let mut sig = func.sig.clone();
    if fallible && func.boxed.is_none() {
        match func.output() {
            Output::Unit => {
                sig.output = syn::parse_quote_spanned! {m()=>
                    -> ::core::result::Result<(), ::taskward::Error>
                };
            }
            Output::Plain(ty) => {
                sig.output = syn::parse_quote_spanned! {m()=>
                    -> ::core::result::Result<#ty, ::taskward::Error>
                };
            }
            Output::Result(_) => {}
        }
    }
    if stack.reruns() {
        // The arguments are copied for each run; the originals are only read.
        for arg in &mut sig.inputs {
            if let FnArg::Typed(pat) = arg {
                strip_mut(&mut pat.pat);
            }
        }
    }

    let attrs = &func.attrs;
    let policy = policy_docs(stack, attrs);
    let vis = &func.vis;
    let defaultness = &func.defaultness;
    let prelude = &g.prelude;
    let warnings = warnings(stack);
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

/// A documented function's rustdoc gains a section with its resolved policy, so that docs.rs
/// shows it. An undocumented function gains nothing (that would hide it from `missing_docs`).
fn policy_docs(stack: &Stack, attrs: &[syn::Attribute]) -> TokenStream {
    if !attrs.iter().any(|attr| attr.path().is_ident("doc")) {
        return TokenStream::new();
    }
    let show = |d: Duration| humantime::format_duration(d).to_string();
    let mut lines = vec![
        String::new(),
        "# Concurrency policy".to_owned(),
        String::new(),
        "Set by taskward attributes, outermost first:".to_owned(),
        String::new(),
    ];
    for layer in &stack.layers {
        let line = match &layer.opts {
            Opts::Bounded(opts) => {
                let limit = match (&opts.limit, &opts.shared) {
                    (Some(Limit::Lit(lit)), _) => format!("at most {lit} calls at once"),
                    (Some(Limit::Const(expr)), _) => {
                        format!("at most `{}` calls at once", expr.to_token_stream())
                    }
                    (None, Some(shared)) => {
                        format!("shares the permits of `{}`", shared.to_token_stream())
                    }
                    (None, None) => String::new(),
                };
                let wait = match opts.wait.as_ref().and_then(DurationArg::literal) {
                    None => "; a call waits for a permit as long as it takes".to_owned(),
                    Some(d) if d.is_zero() => {
                        "; a call fails with `Error::Rejected` at once when none is free".to_owned()
                    }
                    Some(d) => format!(
                        "; a call fails with `Error::Rejected` after waiting {} for a permit",
                        show(d)
                    ),
                };
                format!("- **bounded**: {limit}{wait}.")
            }
            Opts::WithTimeout(opts) => match &opts.limit {
                DurationArg::Lit { value, .. } => format!(
                    "- **with_timeout**: cancelled with `Error::Timeout` after {}.",
                    show(*value)
                ),
                DurationArg::Expr(expr) => format!(
                    "- **with_timeout**: cancelled with `Error::Timeout` after `{}`.",
                    expr.to_token_stream()
                ),
            },
            Opts::Supervised(opts) => format!(
                "- **supervised**: restarted after {} with a backoff of {} to {}{}, at most {} restarts within {}.",
                if opts.always {
                    "every run (`restart = \"always\"`)"
                } else {
                    "an `Err` or a panic"
                },
                show(opts.backoff_min),
                show(opts.backoff_max),
                if opts.jitter { ", jittered" } else { "" },
                opts.restarts,
                show(opts.within),
            ),
            Opts::Graceful(opts) => format!(
                "- **graceful**: tracked by {}; refused with `Error::ShuttingDown` once shutdown begins{}.",
                match &opts.shutdown {
                    Some(expr) => format!("`{}`", expr.to_token_stream()),
                    None => "`Shutdown::global()`".to_owned(),
                },
                if opts.cancel {
                    ", and cancelled as soon as it begins"
                } else {
                    "; a running call finishes, or is cancelled at the drain's deadline"
                }
            ),
        };
        lines.push(line);
    }
    let lines = lines.iter().map(|line| format!(" {line}"));
    quote! { #(#[doc = #lines])* }
}

fn strip_mut(pat: &mut Pat) {
    match pat {
        Pat::Ident(p) => {
            p.mutability = None;
            if let Some((_, sub)) = &mut p.subpat {
                strip_mut(sub);
            }
        }
        Pat::Tuple(p) => p.elems.iter_mut().for_each(strip_mut),
        Pat::TupleStruct(p) => p.elems.iter_mut().for_each(strip_mut),
        Pat::Struct(p) => p.fields.iter_mut().for_each(|f| strip_mut(&mut f.pat)),
        Pat::Slice(p) => p.elems.iter_mut().for_each(strip_mut),
        Pat::Reference(p) => strip_mut(&mut p.pat),
        Pat::Paren(p) => strip_mut(&mut p.pat),
        Pat::Type(p) => strip_mut(&mut p.pat),
        _ => {}
    }
}

/// Soft findings as warnings on stable: the use of a deprecated constant, spanned at the
/// attribute.
fn warnings(stack: &Stack) -> TokenStream {
    stack
        .order_warnings()
        .into_iter()
        .map(|(span, name, note)| {
            let note = format!("taskward: {note}");
            let name = syn::Ident::new(name, m());
            let used = syn::Ident::new(&name.to_string(), span);
            quote_spanned! {m()=>
                {
                    #[deprecated(note = #note)]
                    #[allow(non_upper_case_globals)]
                    const #name: () = ();
                    let () = #used;
                }
            }
        })
        .collect()
}

fn duration(value: Duration) -> TokenStream {
    let secs = value.as_secs();
    let nanos = value.subsec_nanos();
    quote_spanned! {m()=> ::core::time::Duration::new(#secs, #nanos) }
}

impl Gen<'_> {
    /// The future of layers `i..` (and the body), and whether it yields `Result<_, taskward::Error>`.
    fn chain(&mut self, i: usize, mode: Mode) -> (TokenStream, bool) {
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
        let Some(layer) = self.stack.layers.get(i) else {
            return (Code::Future(self.body(mode)), false);
        };
        match &layer.opts {
            Opts::Bounded(opts) => self.bounded(i, opts, mode),
            Opts::WithTimeout(opts) => {
                let limit = self.duration_arg(i, &opts.limit);
                let (inner, inner_fallible) = self.chain(i + 1, mode);
                let call = quote_spanned! {m()=>
                    ::taskward::__private::timeout(&__TASKWARD_META, #limit, #inner)
                };
                (flatten(call, inner_fallible), true)
            }
            Opts::Graceful(opts) => {
                let shutdown = self.shutdown_ref();
                let cancel = opts.cancel;
                let (inner, inner_fallible) = self.chain(i + 1, mode);
                let call = quote_spanned! {m()=>
                    ::taskward::__private::graceful(#shutdown, &__TASKWARD_META, #cancel, #inner)
                };
                (flatten(call, inner_fallible), true)
            }
            Opts::Supervised(opts) => self.supervised(i, opts),
        }
    }

    /// The user's body in a future of its own.
    fn body(&self, mode: Mode) -> TokenStream {
        let mv = move_token();
        let body = if mode.rerun && self.func.sig.receiver().is_some() {
            let mut renamed = proc_macro2::Group::new(
                self.func.body.delimiter(),
                rename_self(self.func.body.stream()),
            );
            renamed.set_span(self.func.body.span());
            renamed
        } else {
            self.func.body.clone()
        };
        let body = &body;
        let fake_return = match &self.func.sig.output {
            // `#[async_trait]` has put a return edge of its own in the block.
            _ if self.func.boxed.is_some() => TokenStream::new(),
            ReturnType::Type(_, ty) if !self.func.returns_impl_trait() => {
                // The return edge is located at the return type, so that a mismatch in the body
                // says "return type inferred to be `T` here" at the user's `T`.
                let at = m().located_at(ty.span());
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
        quote_spanned! {body.span()=> async #mv { #fake_return #body } }
    }

    fn bounded(&mut self, i: usize, opts: &BoundedOpts, mode: Mode) -> (Code, bool) {
        let bulkhead = match (&opts.limit, &opts.shared) {
            (Some(limit), _) => {
                let name = format_ident!("__TASKWARD_BULKHEAD_{}", i, span = m());
                let (limit, at) = match limit {
                    Limit::Lit(lit) => {
                        let value: usize = lit.base10_parse().unwrap_or(1);
                        (quote_spanned!(lit.span()=> #value), lit.span())
                    }
                    Limit::Const(expr) => (expr.to_token_stream(), expr.span()),
                };
                // Located at the limit: a `const` limit of zero fails there when evaluated.
                let new = quote_spanned!(m().located_at(at)=> ::taskward::Bulkhead::new(#limit));
                self.prelude.extend(quote_spanned! {m()=>
                    static #name: ::taskward::Bulkhead = #new;
                });
                quote_spanned!(m()=> &#name)
            }
            (None, Some(shared)) => {
                let shared = &**shared;
                quote_spanned!(shared.span()=> &#shared)
            }
            (None, None) => unreachable!("checked while parsing"),
        };
        let (inner, inner_fallible) = self.chain(i + 1, mode);
        match &opts.wait {
            None => (
                Code::Value(quote_spanned! {m()=>
                    {
                        let __taskward_permit = ::taskward::__private::acquire(#bulkhead, &__TASKWARD_META).await;
                        #inner.await
                    }
                }),
                inner_fallible,
            ),
            Some(wait) => {
                let wait = self.duration_arg(i, wait);
                let inner = if inner_fallible {
                    quote_spanned!(m()=> #inner.await)
                } else {
                    quote_spanned!(m()=> ::taskward::__private::Ok(#inner.await))
                };
                (
                    Code::Value(quote_spanned! {m()=>
                        {
                            match ::taskward::__private::acquire_within(#bulkhead, &__TASKWARD_META, #wait).await {
                                ::taskward::__private::Ok(__taskward_permit) => #inner,
                                ::taskward::__private::Err(__taskward_error) => ::taskward::__private::Err(__taskward_error),
                            }
                        }
                    }),
                    true,
                )
            }
        }
    }

    fn supervised(&mut self, i: usize, opts: &SupervisedOpts) -> (Code, bool) {
        let policy = format_ident!("__TASKWARD_POLICY_{}", i, span = m());
        let SupervisedOpts {
            restarts,
            within,
            backoff_min,
            backoff_max,
            jitter,
            always,
        } = *opts;
        let (within, backoff_min, backoff_max) = (
            duration(within),
            duration(backoff_min),
            duration(backoff_max),
        );
        self.prelude.extend(quote_spanned! {m()=>
            static #policy: ::taskward::__private::SupervisePolicy = ::taskward::__private::SupervisePolicy {
                restarts: #restarts,
                within: #within,
                backoff_min: #backoff_min,
                backoff_max: #backoff_max,
                jitter: #jitter,
                always: #always,
            };
        });
        let shutdown = self.shutdown_ref();
        let copies = self.per_run_copies();
        let (inner, inner_fallible) = self.chain(i + 1, Mode { rerun: true });
        let is_result = matches!(self.func.output(), Output::Result(_));

        let arms = supervised_arms(is_result, inner_fallible);
        (
            Code::Value(quote_spanned! {m()=>
                {
                    let mut __taskward_supervisor = ::taskward::__private::Supervisor::new(&__TASKWARD_META, &#policy, #shutdown);
                    loop {
                        #copies
                        match __taskward_supervisor.run(#inner).await {
                            #arms
                        }
                    }
                }
            }),
            true,
        )
    }

    /// Fresh copies of the arguments for one run of the body: owned arguments are cloned, `&mut`
    /// references and `self` re-borrowed, shared references copied by the `async move` itself.
    fn per_run_copies(&self) -> TokenStream {
        let mut copies = TokenStream::new();
        if let Some(receiver) = self.func.sig.receiver() {
            let alias = self_alias(receiver.self_token.span);
            let self_token = &receiver.self_token;
            let reborrow = quote_spanned!(m()=> &mut *#self_token);
            let copy = match &receiver.kind {
                syn::ReceiverKind::Reference(_, _, Some(_)) => reborrow,
                syn::ReceiverKind::Typed(_, ty) => match &**ty {
                    Type::Reference(r) if r.mutability.is_some() => reborrow,
                    Type::Reference(_) => quote_spanned!(m()=> #self_token),
                    ty => {
                        let at = ty.span();
                        quote_spanned!(at=> ::taskward::__private::rerun_arg(&#self_token))
                    }
                },
                // `&self` is copied; `self` by value was refused by `validate`.
                _ => quote_spanned!(m()=> #self_token),
            };
            copies.extend(quote_spanned! {m()=>
                let #alias = #copy;
            });
        }
        for arg in item::typed_args(&self.func.sig) {
            let ty_span = arg.ty.span();
            if let Type::Reference(reference) = &*arg.ty {
                // `&T` is `Copy`; `&mut T` is re-borrowed for the run.
                if reference.mutability.is_some()
                    && let Pat::Ident(pat) = &*arg.pat
                    && pat.subpat.is_none()
                {
                    let name = &pat.ident;
                    copies.extend(quote_spanned! {m()=>
                        let #name = &mut *#name;
                    });
                }
                continue;
            }
            let mut names = Vec::new();
            item::bindings(&arg.pat, &mut names);
            for (name, mutable) in names {
                let mutability = mutable.then(|| quote_spanned!(name.span()=> mut));
                // A type that is not `Clone` is reported on the argument's name, with the
                // bound on its type.
                let borrow = quote_spanned!(name.span()=> &#name);
                let copy = quote_spanned!(ty_span=> ::taskward::__private::rerun_arg(#borrow));
                copies.extend(quote_spanned! {m()=>
                    let #mutability #name = #copy;
                });
            }
        }
        copies
    }

    fn duration_arg(&mut self, i: usize, arg: &DurationArg) -> TokenStream {
        match arg {
            DurationArg::Lit { value, span } => {
                let secs = value.as_secs();
                let nanos = value.subsec_nanos();
                let at = m().located_at(*span);
                quote_spanned! {at=> ::core::time::Duration::new(#secs, #nanos) }
            }
            DurationArg::Expr(expr) => {
                let name = format_ident!("__taskward_duration_{}", i, span = m());
                let expr = &**expr;
                self.prelude.extend(quote_spanned! {m()=>
                    let #name: ::core::time::Duration = #expr;
                });
                quote_spanned!(m()=> #name)
            }
        }
    }

    fn shutdown_ref(&self) -> TokenStream {
        let custom = self.stack.layers.iter().any(|layer| {
            matches!(
                &layer.opts,
                Opts::Graceful(GracefulOpts {
                    shutdown: Some(_),
                    ..
                })
            )
        });
        if custom {
            quote_spanned!(m()=> __taskward_shutdown)
        } else {
            quote_spanned!(m()=> ::taskward::Shutdown::global())
        }
    }
}

/// The arms of the supervised loop's `match` over a run's outcome, `Result<X, Panic>`: `X` is the
/// body's output `O` (`Result<_, Error>`-wrapped when a layer inside can fail), and `O` is a
/// `Result` when the function returns one. The loop yields `Result<O, taskward::Error>`.
fn supervised_arms(is_result: bool, inner_fallible: bool) -> TokenStream {
    let ok = |t: TokenStream| quote_spanned!(m()=> ::taskward::__private::Ok(#t));
    let err = |t: TokenStream| quote_spanned!(m()=> ::taskward::__private::Err(#t));
    let value = quote_spanned!(m()=> __taskward_value);
    let error = quote_spanned!(m()=> __taskward_error);
    // Restart or return, after a success.
    let after_ok = |pattern: TokenStream, output: TokenStream| {
        quote_spanned! {m()=>
            #pattern => {
                if __taskward_supervisor.restart_after_ok().await {
                    continue;
                }
                break ::taskward::__private::Ok(#output);
            }
        }
    };
    // Restart or give up, after an error: `describe` borrows it, and is gone before the await so
    // that the future stays `Send` whatever the error type.
    let after_err = |pattern: TokenStream, describe: TokenStream, give_up: TokenStream| {
        quote_spanned! {m()=>
            #pattern => {
                let __taskward_restart = __taskward_supervisor.restart_after_error(&#describe);
                if __taskward_restart.await {
                    continue;
                }
                break #give_up;
            }
        }
    };
    let describe_body_error = quote_spanned! {m()=>
        {
            #[allow(unused_imports)]
            use ::taskward::__private::{DescribeDebug as _, DescribeDisplay as _, DescribeOther as _};
            (&&&::taskward::__private::Describe(&__taskward_error)).__taskward_describe()
        }
    };
    // Patterns over `X`, innermost first.
    let (mut success, mut body_error) = if is_result {
        (ok(value), Some(err(error.clone())))
    } else {
        (value, None)
    };
    let output = success.clone();
    let mut taskward_error = None;
    if inner_fallible {
        success = ok(success);
        body_error = body_error.map(ok);
        taskward_error = Some(err(error.clone()));
    }
    let mut arms = after_ok(ok(success), output);
    if let Some(pattern) = body_error {
        let give_up = ok(err(error.clone()));
        arms.extend(after_err(ok(pattern), describe_body_error, give_up));
    }
    if let Some(pattern) = taskward_error {
        arms.extend(after_err(ok(pattern), error.clone(), err(error)));
    }
    arms.extend(quote_spanned! {m()=>
        ::taskward::__private::Err(__taskward_panic) => {
            if __taskward_supervisor.restart_after_panic(&__taskward_panic).await {
                continue;
            }
            break ::taskward::__private::Err(__taskward_panic.into_error());
        }
    });
    arms
}

/// `call` yields `Result<X, Error>`; when `X` is itself `Result<_, Error>`, flattens it.
fn flatten(call: TokenStream, inner_fallible: bool) -> Code {
    if inner_fallible {
        Code::Value(quote_spanned! {m()=> { ::taskward::__private::flatten(#call.await) } })
    } else {
        Code::Future(call)
    }
}

#[cfg(test)]
mod tests;
