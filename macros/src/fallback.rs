//! What is emitted when the input is wrong: the user's function as it was, with the error, so that
//! the rest of the crate and the IDE keep working and only the mistake is reported.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::attrs::Kind;
use crate::item::AsyncFn;
use crate::stack;

/// The function parsed but the attribute or the stack is wrong.
pub fn with_error(err: &syn::Error, mut func: AsyncFn, krate: Option<&str>) -> TokenStream {
    stack::strip(&mut func, krate);
    if func.sig.asyncness.is_some() {
        // `const async fn` is reported by us, once: not again by rustc.
        func.sig.constness = None;
    }
    let mut tokens = err.to_compile_error();
    func.to_tokens(&mut tokens);
    tokens
}

/// The item is not a function we can read: emit it untouched, with one error that names what the
/// attribute was put on. An expression (a closure) stays an expression: the error and it, in a
/// block.
pub fn unparsed(kind: Kind, err: syn::Error, item: TokenStream) -> TokenStream {
    let name = kind.name();
    // `#[check]` takes any function; the others an `async fn` (or `#[blocking]`'s plain one).
    let target = if kind == Kind::Check {
        "a function"
    } else {
        "an `async fn`"
    };
    let on = |what: &str| format!("#[{name}] goes on {target}, not on {what}");
    let (err, expression) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(parsed) => {
            let what = match &parsed {
                syn::Item::Struct(_) => Some("a struct"),
                syn::Item::Enum(_) => Some("an enum"),
                syn::Item::Union(_) => Some("a union"),
                syn::Item::Impl(_) => {
                    Some("an `impl` block: put it on each function of the block that it is for")
                }
                syn::Item::Trait(_) => {
                    Some("a trait: put it on the functions of an `impl` of the trait")
                }
                syn::Item::Const(_) => Some("a constant"),
                syn::Item::Static(_) => Some("a static"),
                syn::Item::Mod(_) => Some("a module: put it on each function it is for"),
                syn::Item::Type(_) => Some("a type alias"),
                syn::Item::Use(_) => Some("a `use`"),
                syn::Item::ForeignMod(_) => Some("an `extern` block"),
                syn::Item::Macro(_) => Some("a macro"),
                _ => None,
            };
            match what {
                Some(what) => (syn::Error::new_spanned(first_token(&item), on(what)), false),
                None => (err, false),
            }
        }
        Err(_) => match syn::parse2::<syn::Expr>(item.clone()) {
            Ok(syn::Expr::Closure(_) | syn::Expr::Async(_)) => (
                syn::Error::new_spanned(
                    first_token(&item),
                    on(
                        "a closure or an `async` block: move the code into an `async fn` and annotate that",
                    ),
                ),
                true,
            ),
            Ok(_) => (
                syn::Error::new_spanned(first_token(&item), on("an expression")),
                true,
            ),
            Err(_) => (err, false),
        },
    };
    let error = err.to_compile_error();
    if expression {
        quote::quote! { { #error #item } }
    } else {
        let mut tokens = error;
        tokens.extend(item);
        tokens
    }
}

/// The first token of `item` (after its attributes), where an error about the whole item points.
fn first_token(item: &TokenStream) -> TokenStream {
    let mut iter = item.clone().into_iter().peekable();
    // Skip outer attributes: `#` and its bracket group.
    while let Some(proc_macro2::TokenTree::Punct(p)) = iter.peek() {
        if p.as_char() != '#' {
            break;
        }
        iter.next();
        iter.next();
    }
    iter.next().into_iter().collect()
}
