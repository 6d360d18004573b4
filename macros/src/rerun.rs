//! What a body that runs more than once needs (`#[supervised]`, `#[retry]`, and `#[hedged]`, whose
//! runs overlap and so take no `&mut`): fresh copies of the arguments for each run, `self` re-borrowed under an alias that the
//! body's `self` is renamed to, the `mut` of argument bindings moved to the copies, and the arms of
//! the loop that decides after each run.

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{LitStr, Pat, Type};

use crate::generate::m;
use crate::item::{self, AsyncFn};

/// The name the body's `self` takes inside a run, with the hygiene of the user's tokens so that
/// the renamed body sees it.
pub fn self_alias(span: Span) -> Ident {
    Ident::new("__taskward_self", span)
}

/// The name an argument written as a pattern (`(a, b): (u8, u8)`) takes in the signature of a
/// function whose body runs again: each run destructures a fresh copy of the whole argument with
/// the user's pattern. Hygienic, so that the body cannot name it; readable in the docs.
fn whole_arg(index: usize, pat: &Pat) -> Ident {
    let mut names = Vec::new();
    item::bindings(pat, &mut names);
    let joined = names
        .iter()
        .map(|(name, _)| name.unraw().to_string())
        .collect::<Vec<_>>()
        .join("_");
    let name = if joined.is_empty() {
        format!("arg{index}")
    } else {
        joined
    };
    Ident::new(&name, m())
}

/// The signature of a function whose body runs again: the arguments are only read, each run
/// takes its own copies (declared `mut` where the user wrote it), so `mut` goes; an argument
/// written as a pattern becomes one name, destructured anew in each run. A `Pin<&mut T>` is re-borrowed with `as_mut()`, which needs its binding `mut`.
pub fn signature(sig: &mut syn::Signature) {
    let pin_mut = || Some(syn::Token![mut](m()));
    for (index, arg) in sig.inputs.iter_mut().enumerate() {
        let arg = match arg {
            syn::FnArg::Receiver(receiver) => {
                if let syn::ReceiverKind::Typed(_, ty) = &receiver.kind
                    && is_pin_mut(ty)
                {
                    receiver.mutability = pin_mut();
                }
                continue;
            }
            syn::FnArg::Typed(arg) => arg,
        };
        match &mut *arg.pat {
            Pat::Ident(pat) if pat.subpat.is_none() => {
                pat.mutability = if is_pin_mut(&arg.ty) { pin_mut() } else { None };
            }
            pat => {
                let name = whole_arg(index, pat);
                *arg.pat = syn::parse_quote!(#name);
            }
        }
    }
}

/// Fresh copies of the arguments for one run of the body (or the one run of a body whose arguments
/// go on to a `fallback`): owned arguments are cloned, `&mut` references and `self` re-borrowed,
/// shared references copied; an argument written as a pattern is copied whole and destructured
/// with the user's pattern.
pub fn per_run_copies(func: &AsyncFn) -> TokenStream {
    // One support trait whatever the reason for the copies (a rerun, a fallback): its message says
    // both.
    let plain = quote_spanned!(m()=> ::taskward::__private::rerun_arg);
    let nested = quote_spanned!(m()=> rerun_nested);
    let module = quote_spanned!(m()=> ::taskward::__private);
    let mut copies = TokenStream::new();
    if let Some(receiver) = func.sig.receiver() {
        let alias = self_alias(receiver.self_token.span);
        let self_token = &receiver.self_token;
        let reborrow = quote_spanned!(m()=> &mut *#self_token);
        let copy = match &receiver.kind {
            syn::ReceiverKind::Reference(_, _, Some(_)) => reborrow,
            syn::ReceiverKind::Typed(_, ty) => match &**ty {
                Type::Reference(r) if r.mutability.is_some() => reborrow,
                Type::Reference(_) => quote_spanned!(m()=> #self_token),
                ty if is_pin_mut(ty) => quote_spanned!(m()=> #self_token.as_mut()),
                ty => {
                    let at = ty.span();
                    let plain = respan(&plain, at);
                    quote_spanned!(at=> #plain(&#self_token))
                }
            },
            // `&self` is copied; `self` by value is refused by the validation.
            _ => quote_spanned!(m()=> #self_token),
        };
        copies.extend(quote_spanned! {m()=>
            let #alias = #copy;
        });
    }
    for (index, arg) in func.sig.inputs.iter().enumerate() {
        let syn::FnArg::Typed(arg) = arg else {
            continue;
        };
        // `#[cfg(..)]` on the argument applies to its copy too.
        let attrs = &arg.attrs;
        let (pattern, source) = match &*arg.pat {
            Pat::Ident(pat) if pat.subpat.is_none() => {
                let name = &pat.ident;
                let mutability = pat.mutability.map(|_| quote_spanned!(name.span()=> mut));
                (quote_spanned!(m()=> #mutability #name), name.clone())
            }
            pat => (pat.to_token_stream(), whole_arg(index, pat)),
        };
        let copy = match &*arg.ty {
            // `&mut T` is re-borrowed for the run; `&T` is `Copy`.
            Type::Reference(reference) if reference.mutability.is_some() => {
                quote_spanned!(m()=> &mut *#source)
            }
            Type::Reference(_) => quote_spanned!(m()=> #source),
            ty if is_pin_mut(ty) => quote_spanned!(m()=> #source.as_mut()),
            // A type that is not `Clone` is reported on the argument, with the bound on its type.
            ty => {
                let borrow = quote_spanned!(arg.pat.span()=> &#source);
                let helper = if is_nested(ty) {
                    let nested = respan(&nested, ty.span());
                    let module = respan(&module, ty.span());
                    quote_spanned!(ty.span()=> #module::#nested)
                } else {
                    respan(&plain, ty.span())
                };
                quote_spanned!(ty.span()=> #helper(#borrow))
            }
        };
        copies.extend(quote_spanned! {m()=>
            #(#attrs)*
            let #pattern = #copy;
        });
    }
    copies
}

/// `tokens` with every span set to `span`: a support path located where its error is reported.
fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut tt| {
            tt.set_span(span);
            tt
        })
        .collect()
}

/// The arguments as the function received them, for a call after the body: `self`, and each
/// argument by its name (an argument written as a pattern, by the name the signature gave it).
pub fn original_args(func: &AsyncFn) -> Vec<TokenStream> {
    func.sig
        .inputs
        .iter()
        .enumerate()
        .map(|(index, arg)| match arg {
            syn::FnArg::Receiver(receiver) => receiver.self_token.to_token_stream(),
            syn::FnArg::Typed(arg) => match &*arg.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.to_token_stream(),
                pat => whole_arg(index, pat).to_token_stream(),
            },
        })
        .filter(|tokens| !tokens.is_empty())
        .collect()
}

/// A type made of others (`Vec<Job>`, `(A, B)`, `[Job; 2]`): its copy is checked so that a part
/// that is not `Clone` is reported on the whole argument with taskward's message.
fn is_nested(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .iter()
            .any(|seg| !seg.arguments.is_none()),
        Type::Tuple(_) | Type::Array(_) | Type::Slice(_) => true,
        Type::Group(group) => is_nested(&group.elem),
        Type::Paren(paren) => is_nested(&paren.elem),
        _ => false,
    }
}

/// `Pin<&mut T>` (any path ending in `Pin`): re-borrowed for each run with `as_mut()`.
fn is_pin_mut(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Pin"
        && matches!(
            args.args.first(),
            Some(syn::GenericArgument::Type(Type::Reference(r))) if r.mutability.is_some()
        )
}

/// The body with its `self` renamed to [`self_alias`]: a syntax-aware rewrite that leaves alone
/// what is not the receiver (`self::` paths, `use a::{self}`, `pub(self)`, and nested items, whose
/// methods have a `self` of their own), and follows the receiver into macro arguments, including
/// the inline arguments of format strings (`"{self:?}"`).
///
/// A body that does not parse is left as written: the compiler reports the mistake in it.
pub fn rename_self(body: &Group) -> Group {
    let tokens = TokenStream::from(TokenTree::Group(body.clone()));
    let Ok(mut block) = syn::parse2::<syn::Block>(tokens) else {
        return body.clone();
    };
    RenameSelf.visit_block_mut(&mut block);
    let mut stmts = TokenStream::new();
    for stmt in &block.stmts {
        stmt.to_tokens(&mut stmts);
    }
    let mut renamed = Group::new(Delimiter::Brace, stmts);
    renamed.set_span(body.span());
    renamed
}

struct RenameSelf;

impl VisitMut for RenameSelf {
    // A nested `fn`, `impl`, `trait`, `use` or `mod` has a `self` of its own, or none.
    fn visit_item_mut(&mut self, _item: &mut syn::Item) {}

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.leading_colon.is_none()
            && path.segments.len() == 1
            && path.segments[0].ident == "self"
        {
            let ident = &mut path.segments[0].ident;
            *ident = self_alias(ident.span());
        }
        visit_mut::visit_path_mut(self, path);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = rename_in_tokens(core::mem::take(&mut mac.tokens));
    }
}

/// The rename inside a macro's arguments, which are only tokens: `self` not followed by `::`,
/// except inside an `impl`, `trait` or `fn` defined there; and `{self}` in string literals.
fn rename_in_tokens(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    // Inside the header of a nested `impl`/`trait`/`fn`, until its body (with the depth of `<>`).
    let mut nested_header: Option<usize> = None;
    let mut last_punct = None;
    while let Some(tt) = iter.next() {
        let punct = match &tt {
            TokenTree::Punct(p) => Some(p.as_char()),
            _ => None,
        };
        match tt {
            TokenTree::Ident(ident)
                if nested_header.is_none()
                    && (ident == "impl" || ident == "trait" || ident == "fn") =>
            {
                nested_header = Some(0);
                out.push(TokenTree::Ident(ident));
            }
            TokenTree::Ident(ident) if ident == "self" && nested_header.is_none() => {
                let is_path =
                    matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if is_path {
                    out.push(TokenTree::Ident(ident));
                } else {
                    out.push(TokenTree::Ident(self_alias(ident.span())));
                }
            }
            TokenTree::Punct(p) if nested_header.is_some() => {
                let depth = nested_header.get_or_insert(0);
                match p.as_char() {
                    '<' => *depth += 1,
                    '>' if last_punct != Some('-') => *depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push(TokenTree::Punct(p));
            }
            TokenTree::Group(group) if nested_header.is_some() => {
                if nested_header == Some(0) && group.delimiter() == Delimiter::Brace {
                    nested_header = None;
                }
                out.push(TokenTree::Group(group));
            }
            TokenTree::Group(group) => {
                let mut renamed = Group::new(group.delimiter(), rename_in_tokens(group.stream()));
                renamed.set_span(group.span());
                out.push(TokenTree::Group(renamed));
            }
            TokenTree::Literal(lit) if nested_header.is_none() => {
                out.push(TokenTree::Literal(rename_in_format_string(lit)));
            }
            other => out.push(other),
        }
        last_punct = punct;
    }
    out.into_iter().collect()
}

/// A string literal with `{self}` or `{self:..}` as an inline format argument, with `self`
/// renamed; any other literal as it is.
fn rename_in_format_string(lit: Literal) -> Literal {
    let repr = lit.to_string();
    if !repr.contains("self") || !(repr.starts_with('"') || repr.starts_with('r')) {
        return lit;
    }
    let Ok(parsed) = syn::parse2::<LitStr>(TokenTree::Literal(lit.clone()).into()) else {
        return lit;
    };
    match rename_inline_self(&parsed.value()) {
        Some(value) => {
            let mut renamed = Literal::string(&value);
            renamed.set_span(lit.span());
            renamed
        }
        None => lit,
    }
}

/// `"{self:?} and {{self}}"` → `"{__taskward_self:?} and {{self}}"`; `None` when unchanged.
fn rename_inline_self(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("{{") {
            out.push_str("{{");
            rest = after;
            continue;
        }
        let after = &rest[1..];
        if let Some(tail) = after.strip_prefix("self")
            && (tail.starts_with('}') || tail.starts_with(':'))
        {
            out.push_str("{__taskward_self");
            rest = tail;
            changed = true;
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// A description of the body's error `error` for a tracing event (a `Described`, which borrows
/// it): its `Display`, else its `Debug`, else its type name.
pub fn describe(error: &TokenStream) -> TokenStream {
    quote_spanned! {m()=>
        {
            #[allow(unused_imports)]
            use ::taskward::__private::{DescribeDebug as _, DescribeDisplay as _, DescribeOther as _};
            (&&&::taskward::__private::Describe(&#error)).__taskward_describe()
        }
    }
}

/// The arms of a rerun loop's `match` over a run's outcome, `Result<X, Panic>`: `X` is the
/// body's output `O` (`Result<_, Error>`-wrapped when a layer inside can fail), and `O` is a
/// `Result` when the function returns one. The loop yields `Result<O, taskward::Error>`. The
/// driver, `__taskward_supervisor`, decides after each run whether to go again.
///
/// `#[retry]` writes arms of its own: it catches no panic (no `Result<_, Panic>` around a run), it
/// decides on a reference to the error and returns the attempt's output as it is, and its filters
/// run before its driver is asked.
pub fn loop_arms(is_result: bool, inner_fallible: bool) -> TokenStream {
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
    let describe_body_error = describe(&error);
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

#[cfg(test)]
mod tests;
