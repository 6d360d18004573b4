//! What a body that runs more than once needs (`#[supervised]` now; `#[retry]` and hedging use the
//! same): fresh copies of the arguments for each run, `self` re-borrowed under an alias that the
//! body's `self` is renamed to, the `mut` of argument bindings moved to the copies, and the arms of
//! the loop that decides after each run.

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
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

/// Fresh copies of the arguments for one run of the body: owned arguments are cloned, `&mut`
/// references and `self` re-borrowed, shared references copied by the `async move` itself.
pub fn per_run_copies(func: &AsyncFn) -> TokenStream {
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
                ty => {
                    let at = ty.span();
                    quote_spanned!(at=> ::taskward::__private::rerun_arg(&#self_token))
                }
            },
            // `&self` is copied; `self` by value is refused by the validation.
            _ => quote_spanned!(m()=> #self_token),
        };
        copies.extend(quote_spanned! {m()=>
            let #alias = #copy;
        });
    }
    for arg in item::typed_args(&func.sig) {
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
            // A type that is not `Clone` is reported on the argument's name, with the bound on
            // its type.
            let borrow = quote_spanned!(name.span()=> &#name);
            let copy = quote_spanned!(ty_span=> ::taskward::__private::rerun_arg(#borrow));
            copies.extend(quote_spanned! {m()=>
                let #mutability #name = #copy;
            });
        }
    }
    copies
}

/// The `mut` of argument bindings: the originals are only read (each run gets a copy, declared
/// `mut` where the user wrote it).
pub fn strip_mut(pat: &mut Pat) {
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

/// The arms of a rerun loop's `match` over a run's outcome, `Result<X, Panic>`: `X` is the
/// body's output `O` (`Result<_, Error>`-wrapped when a layer inside can fail), and `O` is a
/// `Result` when the function returns one. The loop yields `Result<O, taskward::Error>`. The
/// driver, `__taskward_supervisor`, decides after each run whether to go again.
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

#[cfg(test)]
mod tests;
