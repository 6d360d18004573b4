//! `#[graceful]`: the call is tracked by a `Shutdown` coordinator; once shutdown begins, new calls
//! fail with `Error::ShuttingDown`, running ones finish (or, with `cancel`, are dropped at once).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::{At, Attribute, Caps, Opts};
use crate::generate::{Code, Gen, Mode, flatten, m};
use crate::options::{RawArg, Seen, unknown};
use crate::stack::Stack;

/// `#[graceful]` resolved.
#[derive(Clone, Default)]
pub struct Graceful {
    /// Drop the body as soon as shutdown begins.
    pub cancel: bool,
    /// `in = EXPR`: an expression giving `&Shutdown`; `None`: `Shutdown::global()`.
    pub shutdown: Option<Box<Expr>>,
}

impl Attribute for Graceful {
    const NAME: &'static str = "graceful";
    const OPTIONS: &'static [&'static str] = &["cancel", "in"];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut opts = Graceful::default();
        let mut seen = Seen::new();
        for arg in args {
            match arg {
                RawArg::Positional(Expr::Path(path))
                    if path.qself.is_none() && path.path.get_ident().is_some() =>
                {
                    let key = path
                        .path
                        .get_ident()
                        .cloned()
                        .unwrap_or_else(|| Ident::new("cancel", path.span()));
                    seen.first(&key)?;
                    if key == "cancel" {
                        opts.cancel = true;
                    } else {
                        return Err(unknown(Self::NAME, &key, Self::OPTIONS));
                    }
                }
                RawArg::Positional(expr) => {
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "#[graceful] takes `cancel` and `in = EXPR` (an expression giving `&taskward::Shutdown`)",
                    ));
                }
                RawArg::Named { key, value } => {
                    seen.first(&key)?;
                    match key.unraw().to_string().as_str() {
                        "in" => opts.shutdown = Some(Box::new(value)),
                        "cancel" => {
                            return Err(syn::Error::new(
                                key.span(),
                                "`cancel` is a flag: write `#[graceful(cancel)]`",
                            ));
                        }
                        _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
                    }
                }
            }
        }
        Ok(opts)
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: true,
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        format!(
            "- **graceful**: tracked by {}; refused with `Error::ShuttingDown` once shutdown begins{}.",
            match &self.shutdown {
                Some(expr) => format!("`{}`", expr.to_token_stream()),
                None => "`Shutdown::global()`".to_owned(),
            },
            if self.cancel {
                ", and cancelled as soon as it begins"
            } else {
                "; a running call finishes, or is cancelled at the drain's deadline"
            }
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        let shutdown = coordinator(g.stack);
        let cancel = self.cancel;
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        let call = quote_spanned! {m()=>
            ::taskward::__private::graceful::graceful(#shutdown, &__TASKWARD_META, #cancel, #inner)
        };
        (flatten(call, inner_fallible), true)
    }
}

/// The `Shutdown` coordinator of the stack's `#[graceful]` given with `in = EXPR`, if any.
fn custom(stack: &Stack) -> Option<&Expr> {
    stack.layers.iter().find_map(|layer| match &layer.opts {
        Opts::Graceful(Graceful {
            shutdown: Some(expr),
            ..
        }) => Some(&**expr),
        _ => None,
    })
}

/// The statements of the prelude that take a handle of the stack's own coordinator, if it has
/// one: the expression is evaluated once, before the body borrows anything.
pub fn prelude(stack: &Stack) -> TokenStream {
    let Some(expr) = custom(stack) else {
        return TokenStream::new();
    };
    let ty = quote_spanned!(expr.span()=> &::taskward::Shutdown);
    quote_spanned! {m()=>
        let __taskward_shutdown: #ty = #expr;
        // A handle of our own: the expression may borrow `self`, which the body needs.
        let __taskward_shutdown: ::taskward::Shutdown = ::core::clone::Clone::clone(__taskward_shutdown);
        let __taskward_shutdown = &__taskward_shutdown;
    }
}

/// The coordinator of the stack, as an expression of type `&Shutdown`: the one of its
/// `#[graceful(in = ..)]`, else the process-wide one. Other layers (`#[supervised]`) stop at its
/// shutdown too.
pub fn coordinator(stack: &Stack) -> TokenStream {
    if custom(stack).is_some() {
        quote_spanned!(m()=> __taskward_shutdown)
    } else {
        quote_spanned!(m()=> ::taskward::Shutdown::global())
    }
}
