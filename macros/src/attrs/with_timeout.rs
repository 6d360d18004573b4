//! `#[with_timeout(d)]`: the layers inside must finish within `d`, or they are dropped and the call
//! fails with `Error::Timeout`.

use quote::{ToTokens, quote_spanned};
use syn::{Expr, ExprLit, Lit};

use super::{At, Attribute, Caps};
use crate::duration::{self, DurationArg, Zero};
use crate::fallback_fn::Fallback;
use crate::generate::{Code, Gen, Mode, flatten, m};
use crate::options::{RawArg, Seen, bare_ident, elsewhere};

/// `#[with_timeout]` resolved.
#[derive(Clone)]
pub struct WithTimeout {
    pub limit: DurationArg,
    /// `fallback = path`: called with the arguments and the timeout instead of failing.
    pub fallback: Option<Fallback>,
}

impl Attribute for WithTimeout {
    const NAME: &'static str = "with_timeout";
    const OPTIONS: &'static [&'static str] = &["fallback"];
    // Above and below `#[supervised]`: a deadline for the whole call and one for each run.
    const REPEATS_ACROSS_RERUNS: bool = true;

    fn parse(at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut limit = None;
        let mut fallback = None;
        let mut seen = Seen::new();
        for arg in args {
            match arg {
                RawArg::Positional(expr) if limit.is_none() => {
                    limit = Some(match &expr {
                        Expr::Lit(ExprLit {
                            lit: Lit::Str(_), ..
                        }) => duration::duration(&expr, Zero::Denied)?,
                        Expr::Lit(ExprLit { lit, .. }) => {
                            return Err(syn::Error::new(
                                lit.span(),
                                "a duration is written as a string with a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"`, or as an expression of type `Duration`",
                            ));
                        }
                        _ => DurationArg::Expr(Box::new(expr)),
                    });
                }
                RawArg::Positional(expr) => {
                    if let Some(key) = bare_ident(&expr)
                        && let Some(err) = elsewhere(Self::NAME, key)
                    {
                        return Err(err);
                    }
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "#[with_timeout] takes one duration, such as `#[with_timeout(\"2s\")]`",
                    ));
                }
                RawArg::Named { key, value } if key == "fallback" => {
                    seen.first(&key)?;
                    fallback = Some(Fallback::parse(&value)?);
                }
                RawArg::Named { key, value } => {
                    return Err(elsewhere(Self::NAME, &key).unwrap_or_else(|| named(&key, &value)));
                }
            }
        }
        match limit {
            Some(limit) => Ok(WithTimeout { limit, fallback }),
            None => Err(at.error(
                "#[with_timeout] needs a duration: `#[with_timeout(\"2s\")]`, or an expression of type `Duration`",
            )),
        }
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: self.fallback.is_none(),
            deadline: self.limit.literal(),
            fallback: self.fallback.is_some(),
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        let after = match &self.limit {
            DurationArg::Lit { value, .. } => duration::show(*value),
            DurationArg::Expr(expr) => format!("`{}`", expr.to_token_stream()),
        };
        let fallback = self
            .fallback
            .as_ref()
            .map(Fallback::describe)
            .unwrap_or_default();
        format!("- **with_timeout**: cancelled with `Error::Timeout` after {after}{fallback}.")
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        let limit = g.duration_arg(i, &self.limit);
        // With a fallback, the body runs on copies of the arguments.
        let mode = Mode {
            rerun: mode.rerun || self.fallback.is_some(),
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        if g.stack.layers[i + 1..]
            .iter()
            .any(|layer| layer.caps().reads_deadlines)
        {
            // The deadline, computed once, for the timer and for the layer below that reads it.
            let deadline = deadline_name(i);
            let call = quote_spanned! {m()=>
                ::taskward::__private::with_timeout::timeout_at(&__TASKWARD_META, #deadline, #limit, #inner)
            };
            let value = if inner_fallible {
                quote_spanned!(m()=> ::taskward::__private::flatten(#call.await))
            } else {
                quote_spanned!(m()=> #call.await)
            };
            let code = quote_spanned! {m()=>
                {
                    let #deadline = ::taskward::__private::with_timeout::deadline(#limit);
                    #value
                }
            };
            return (Code::Value(code), true);
        }
        let call = quote_spanned! {m()=>
            ::taskward::__private::with_timeout::timeout(&__TASKWARD_META, #limit, #inner)
        };
        let layer = flatten(call, inner_fallible);
        match &self.fallback {
            Some(fallback) => fallback.wrap(g, layer),
            None => (layer, true),
        }
    }
}

/// The name of the deadline `Instant` of the `#[with_timeout]` of layer `i`, when a layer below
/// it reads it ([`Caps::reads_deadlines`]).
pub fn deadline_name(i: usize) -> syn::Ident {
    quote::format_ident!("__taskward_deadline_{}", i, span = m())
}

/// `#[with_timeout(ms = 300)]`: it takes no `key = value` options, only its duration; when the key
/// is a unit, the message writes the literal.
fn named(key: &syn::Ident, value: &Expr) -> syn::Error {
    let unit = key.to_string();
    let literal = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) if matches!(unit.as_str(), "ns" | "us" | "ms" | "s" | "m" | "h" | "d") => {
            format!("\"{}{unit}\"", n.base10_digits())
        }
        _ => "\"2s\"".to_owned(),
    };
    syn::Error::new(
        key.span(),
        format!(
            "#[with_timeout] takes no `{unit} = ...` option, only its duration: write `#[with_timeout({literal})]`"
        ),
    )
}
