//! Checks of the function against the stack (each option was checked while parsing): what the
//! function must be for the attributes on it, by capability, then each attribute's own checks.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::ReturnType;

use crate::item::{self, AsyncFn, Output};
use crate::stack::Stack;

pub fn validate(stack: &Stack, func: &AsyncFn) -> syn::Result<()> {
    let first = &stack.layers[0];
    if item::already_wrapped(&func.body) {
        return Err(syn::Error::new(
            first.span,
            format!(
                "#[{}] is written here under another name (`use taskward::{} as ...`), below a taskward attribute that did not see it and has already expanded this function: the two would wrap it separately, in the wrong order. Write taskward attributes by their own names (`{}` or `taskward::{}`) so that they stack as written",
                first.name(),
                first.name(),
                first.name(),
                first.name()
            ),
        ));
    }
    let plain_fn = stack.layers.iter().position(|layer| layer.caps().plain_fn);
    if let Some(at) = plain_fn {
        innermost(stack, at)?;
        let name = stack.layers[at].name();
        if func.boxed.is_some() {
            return Err(syn::Error::new(
                func.sig.ident.span(),
                format!(
                    "#[{name}] cannot go on a method of an #[async_trait] impl, which has already made it a plain `fn` returning a boxed future: put the blocking work in a `#[{name}] fn` of its own and call it from the method"
                ),
            ));
        }
        if let Some(asyncness) = &func.sig.asyncness {
            return Err(syn::Error::new(
                asyncness.span,
                format!(
                    "#[{name}] takes a plain `fn` and makes it `async` itself, running the body on tokio's blocking pool: drop `async` here (the body cannot `.await` there), or drop #[{name}] to keep an `async fn`"
                ),
            ));
        }
    } else if func.boxed.is_some() {
        if stack.can_fail() && !matches!(func.output(), Output::Result(_)) {
            return Err(syn::Error::new(
                func.sig.ident.span(),
                "with #[async_trait] the trait fixes the signature, so a taskward attribute that can fail needs this method to return a `Result` whose error type implements `From<taskward::Error>`",
            ));
        }
    } else if item::rewritten_by_tokio(func) {
        return Err(syn::Error::new(
            func.sig.fn_token.span,
            format!(
                "#[{}] must be above #[tokio::main] or #[tokio::test], which has already made this `async fn` a plain `fn`: write the taskward attributes first",
                first.name()
            ),
        ));
    } else if func.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            func.sig.fn_token.span,
            format!(
                "#[{}] goes on an `async fn`: write `async fn {}`",
                first.name(),
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
    if let Some(receiver) = func.sig.receiver()
        && matches!(receiver.kind, syn::ReceiverKind::Value)
    {
        if let Some(rerun) = stack
            .layers
            .iter()
            .find(|layer| layer.caps().reruns.is_some())
        {
            return Err(syn::Error::new(
                receiver.self_token.span,
                format!(
                    "#[{}] runs the body more than once, so it cannot take `self` by value; take {}, or clone what the body needs into an argument",
                    rerun.name(),
                    if rerun.caps().concurrent_runs {
                        "`&self`"
                    } else {
                        "`&self` or `&mut self`"
                    }
                ),
            ));
        }
        if let Some(layer) = stack.layers.iter().find(|layer| layer.caps().fallback) {
            return Err(syn::Error::new(
                receiver.self_token.span,
                format!(
                    "the `fallback` of #[{}] gets `self` after the body, so the method cannot take `self` by value; take `&self`, `&mut self` or `self: Arc<Self>`",
                    layer.name()
                ),
            ));
        }
    }
    if let Some((rerun_at, _)) = stack.first_rerun()
        && let ReturnType::Type(_, ty) = &func.sig.output
        && contains_mut_ref(&ty.to_token_stream())
        && func
            .sig
            .inputs
            .iter()
            .any(|arg| contains_mut_ref(&arg.to_token_stream()))
    {
        return Err(syn::Error::new_spanned(
            ty,
            format!(
                "#[{}] runs the body again with a fresh re-borrow of each `&mut` argument, so the function cannot return a `&mut` borrow of one (the borrow checker cannot see that only the last run's is returned); return an owned value, or a shared borrow",
                stack.layers[rerun_at].name()
            ),
        ));
    }
    if let Some((first_at, _)) = stack.first_rerun()
        && let Some(second) = stack.layers[first_at + 1..]
            .iter()
            .find(|layer| layer.caps().reruns.is_some())
    {
        let (first, second_name) = (stack.layers[first_at].name(), second.name());
        let each = if stack.layers[first_at].caps().concurrent_runs || second.caps().concurrent_runs
        {
            ""
        } else {
            ", each with its own backoff"
        };
        return Err(syn::Error::new(
            second.span,
            format!(
                "#[{second_name}] and #[{first}] both run the body again{each}: together the runs would multiply (each run of #[{first}] making every run of #[{second_name}]); keep one of them on this function, or move the body into a function of its own with the other"
            ),
        ));
    }
    for (i, layer) in stack.layers.iter().enumerate() {
        let Some(why) = layer.caps().needs_err else {
            continue;
        };
        if matches!(func.output(), Output::Result(_))
            || stack.layers[i + 1..].iter().any(|inner| inner.caps().fails)
        {
            continue;
        }
        let name = layer.name();
        let (span, what) = match func.output() {
            Output::Plain(ty) => (
                syn::spanned::Spanned::span(ty),
                format!("`{}` is not a `Result`", ty.to_token_stream()),
            ),
            _ => (
                func.sig.ident.span(),
                format!("`{}` returns `()`", func.sig.ident),
            ),
        };
        return Err(syn::Error::new(
            span,
            format!(
                "#[{name}] {why}, so the function must return a `Result`, and {what}: return `Result<T, E>` (or an alias whose name ends in `Result`), or put an attribute that can fail, such as #[with_timeout], below #[{name}] (its `Err` is then a `taskward::Error`)"
            ),
        ));
    }
    if let Some(layer) = stack.layers[1..]
        .iter()
        .find(|layer| layer.caps().outermost)
    {
        let name = layer.name();
        let message = format!(
            "#[{name}] is written below #[{}]: the callers that #[{name}] joins share one run of everything below it, so it goes first, above the other taskward attributes (a deadline for each caller is a `tokio::time::timeout` around the call)",
            first.name()
        );
        return Err(match &layer.path {
            Some(path) => syn::Error::new_spanned(path, message),
            None => syn::Error::new(layer.span, message),
        });
    }
    for layer in &stack.layers {
        layer.opts.validate(layer.span, func)?;
    }
    Ok(())
}

/// A layer that runs the body itself off the async executor (`#[blocking]`, at `at`) is the
/// innermost: the layers above wrap the future of its call, and nothing can wrap the body inside
/// it. A taskward attribute written below it is an error on that attribute.
fn innermost(stack: &Stack, at: usize) -> syn::Result<()> {
    let Some(below) = stack.layers.get(at + 1) else {
        return Ok(());
    };
    let name = stack.layers[at].name();
    let message = format!(
        "#[{}] is written below #[{name}], which runs the body on a thread of tokio's blocking pool: the other taskward attributes wrap the future of that call, so #[{name}] must be the innermost; move #[{name}] last, just above the `fn`",
        below.name()
    );
    Err(match &below.path {
        Some(path) => syn::Error::new_spanned(path, message),
        None => syn::Error::new(below.span, message),
    })
}

/// Whether the tokens hold `&mut` (or `&'a mut`).
fn contains_mut_ref(tokens: &TokenStream) -> bool {
    let mut after_amp = false;
    let mut after_lifetime = false;
    for tt in tokens.clone() {
        match &tt {
            TokenTree::Ident(ident) if ident == "mut" && (after_amp || after_lifetime) => {
                return true;
            }
            TokenTree::Group(group) if contains_mut_ref(&group.stream()) => return true,
            _ => {}
        }
        after_lifetime = after_amp && matches!(&tt, TokenTree::Ident(_));
        after_amp = matches!(&tt, TokenTree::Punct(p) if p.as_char() == '&')
            || (matches!(&tt, TokenTree::Punct(p) if p.as_char() == '\'') && after_amp);
    }
    false
}
