//! `#[rate_limited(n, per = "1s")]`: at most `n` calls start per period (GCRA, with bursts of up
//! to `burst`); the others wait for their slot, or fail at once with `Error::Rejected` when it is
//! further away than `wait`. `in = NAME` takes the slots of a `static` rate limit, and `in = EXPR`
//! those of any rate limit the expression gives (`&self.limit`, an argument).

use core::time::Duration;

use proc_macro2::Span;
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitInt};

use super::{At, Attribute, Caps};
use crate::duration::{self, DurationArg, Zero};
use crate::fallback_fn::Fallback;
use crate::generate::{Code, Gen, Mode, m};
use crate::item::AsyncFn;
use crate::options::{RawArg, Seen, unknown};
use crate::shared;
use parse::{burst, calls, own, per, positional, shared};

mod parse;

/// `#[rate_limited]` resolved: where the slots come from, and how long a call may wait for one.
#[derive(Clone)]
pub struct RateLimited {
    pub slots: Slots,
    /// `None`: wait as long as it takes (the wrapper cannot fail).
    pub wait: Option<DurationArg>,
    /// `fallback = path` (with `wait`): called with the arguments and the rejection instead.
    pub fallback: Option<Fallback>,
}

/// The slots of a `#[rate_limited]` function: a rate of its own, or a shared rate limit's.
#[derive(Clone)]
pub enum Slots {
    /// A rate of its own, in a per-function `static` rate limit.
    Own(Rate),
    /// `in = EXPR`: a rate limit shared with others. A path (`in = LIMIT`) names a `static`,
    /// unless it is an argument of the function; any other expression gives a `&RateLimit` or a
    /// `&Arc<RateLimit>`, evaluated at each call.
    Shared(Box<Expr>),
}

/// A rate of the function's own: `calls` per `per`, bursts of `burst`.
#[derive(Clone)]
pub struct Rate {
    pub calls: Calls,
    pub per: Duration,
    pub per_span: Span,
    /// `None`: the default, `calls` (the burst of a `RateLimit::new`).
    pub burst: Option<LitInt>,
}

/// The number of calls per period.
#[derive(Clone)]
pub enum Calls {
    /// A literal, checked: at least 1, a `u32`, at most one call per nanosecond.
    Lit(LitInt),
    /// The path of a constant of an unsigned integer type, checked by the compiler (its type)
    /// and when the `static` is evaluated (zero, above `u32::MAX`).
    Const(Box<Expr>),
}

/// The options as written, before the cross-option checks.
#[derive(Default)]
struct Written {
    calls: Option<Calls>,
    per: Option<(Ident, Duration, Span)>,
    burst: Option<(Ident, LitInt)>,
    wait: Option<DurationArg>,
    shared: Option<Box<Expr>>,
    fallback: Option<(Ident, Fallback)>,
}

impl Attribute for RateLimited {
    const NAME: &'static str = "rate_limited";
    const OPTIONS: &'static [&'static str] = &["per", "burst", "wait", "in", "fallback"];

    fn parse(at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut written = Written::default();
        let mut seen = Seen::new();
        for (i, arg) in args.into_iter().enumerate() {
            match arg {
                RawArg::Positional(expr) if i == 0 => written.calls = Some(calls(expr)?),
                RawArg::Positional(expr) => return Err(positional(&expr)),
                RawArg::Named { key, value } => {
                    seen.first(&key)?;
                    match key.unraw().to_string().as_str() {
                        "per" => {
                            let (value, span) = per(&value)?;
                            written.per = Some((key, value, span));
                        }
                        "burst" => written.burst = Some((key, burst(&value)?)),
                        "wait" => written.wait = Some(duration::duration(&value, Zero::Allowed)?),
                        "in" => written.shared = Some(Box::new(shared(value)?)),
                        "fallback" => written.fallback = Some((key, Fallback::parse(&value)?)),
                        _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
                    }
                }
            }
        }
        let slots = match written.shared {
            Some(shared) => {
                if let Some(calls) = &written.calls {
                    return Err(syn::Error::new(
                        calls.span(),
                        "#[rate_limited] takes either a rate of its own (`10, per = \"1s\"`) or `in = NAME` (the rate of a shared `RateLimit`), not both",
                    ));
                }
                if let Some((key, ..)) = &written.per {
                    return Err(syn::Error::new(
                        key.span(),
                        "with `in = ...` the period is the shared `RateLimit`'s (`RateLimit::new(10, Duration::from_secs(1))`): remove `per`",
                    ));
                }
                if let Some((key, _)) = &written.burst {
                    return Err(syn::Error::new(
                        key.span(),
                        "with `in = ...` the burst is the shared `RateLimit`'s (`RateLimit::new(10, per).with_burst(5)`): remove `burst`",
                    ));
                }
                Slots::Shared(shared)
            }
            None => Slots::Own(own(at, written.calls, written.per, written.burst)?),
        };
        let fallback = match (written.fallback, &written.wait) {
            (Some((key, _)), None) => {
                return Err(syn::Error::new(
                    key.span(),
                    "a `fallback` of #[rate_limited] needs `wait = \"...\"`: without it a call waits for its slot as long as it takes, and never fails",
                ));
            }
            (fallback, _) => fallback.map(|(_, fallback)| fallback),
        };
        Ok(RateLimited {
            slots,
            wait: written.wait,
            fallback,
        })
    }

    fn validate(&self, _span: Span, func: &AsyncFn) -> syn::Result<()> {
        let Slots::Own(Rate {
            calls: Calls::Const(calls),
            ..
        }) = &self.slots
        else {
            return Ok(());
        };
        let Expr::Path(path) = &**calls else {
            return Ok(());
        };
        let why = match shared::not_const(path, func) {
            None => return Ok(()),
            Some(shared::NotConst::NamesSelf) => "the number of calls of #[rate_limited] cannot name `Self`: the rate limit is a `static` inside the function, which cannot see the impl; move the constant to the module, or keep a `RateLimit` in the struct and write `in = &self.field`".to_owned(),
            Some(shared::NotConst::Argument(ident)) => format!(
                "`{ident}` is an argument, but the rate of #[rate_limited] is fixed at compile time (a literal or a `const`); for a rate known at run time, build a `RateLimit::new({ident}, period)` once and write `in = &limit`"
            ),
            Some(shared::NotConst::ConstParam(ident)) => format!(
                "the number of calls of #[rate_limited] cannot be the const parameter `{ident}`: the rate limit is one `static` for every instantiation; use a literal or a module-level `const`, or `in = EXPR` with a `RateLimit` of your own"
            ),
        };
        Err(syn::Error::new_spanned(path, why))
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: self.wait.is_some() && self.fallback.is_none(),
            fallback: self.fallback.is_some(),
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        let rate = match &self.slots {
            Slots::Own(rate) => {
                let per = duration::show(rate.per);
                match (&rate.calls, &rate.burst) {
                    (Calls::Lit(lit), burst) => {
                        let calls: u32 = lit.base10_parse().unwrap_or(1);
                        let burst = match burst {
                            Some(burst) => burst.base10_parse().unwrap_or(1),
                            None => calls,
                        };
                        let interval = interval(rate.per, calls);
                        let burst = if burst == 1 {
                            "evenly spaced".to_owned()
                        } else {
                            format!("up to {burst} back to back")
                        };
                        format!(
                            "at most {calls} calls start per {per} (one every {}, {burst})",
                            duration::show(interval)
                        )
                    }
                    (Calls::Const(expr), None) => {
                        format!("at most `{}` calls start per {per}", expr.to_token_stream())
                    }
                    (Calls::Const(expr), Some(burst)) => format!(
                        "at most `{}` calls start per {per} (up to {burst} back to back)",
                        expr.to_token_stream()
                    ),
                }
            }
            Slots::Shared(shared) => {
                format!("takes its slots from `{}`", shared.to_token_stream())
            }
        };
        let wait = match self.wait.as_ref().and_then(DurationArg::literal) {
            None => "; a call waits for its slot as long as it takes".to_owned(),
            Some(d) if d.is_zero() => {
                "; a call fails with `Error::Rejected` at once unless a slot is free".to_owned()
            }
            Some(d) => format!(
                "; a call whose slot is more than {} away fails at once with `Error::Rejected`",
                duration::show(d)
            ),
        };
        let fallback = self
            .fallback
            .as_ref()
            .map(Fallback::describe)
            .unwrap_or_default();
        format!("- **rate_limited**: {rate}{wait}{fallback}.")
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        let limit = match &self.slots {
            Slots::Own(rate) => {
                let name = format_ident!("__TASKWARD_RATE_LIMIT_{}", i, span = m());
                // Located at the number of calls: a `const` of another type, or of zero, fails
                // there.
                let at = m().located_at(rate.calls.span());
                let calls = match &rate.calls {
                    Calls::Lit(lit) => {
                        let value: u32 = lit.base10_parse().unwrap_or(1);
                        quote_spanned!(at=> #value)
                    }
                    // Any unsigned integer `const` (checked, with a message), as a `u32` (checked).
                    Calls::Const(expr) => {
                        let expr = &**expr;
                        quote_spanned! {at=>
                            ::taskward::__private::rate_limited::calls(
                                ::taskward::__private::rate_limited::unsigned(#expr) as u128
                            )
                        }
                    }
                };
                let per = duration::tokens(rate.per, m().located_at(rate.per_span));
                let mut new = quote_spanned!(at=> ::taskward::RateLimit::new(#calls, #per));
                if let Some(burst) = &rate.burst {
                    let value: u32 = burst.base10_parse().unwrap_or(1);
                    let value = quote_spanned!(m().located_at(burst.span())=> #value);
                    new = quote_spanned!(m()=> #new.with_burst(#value));
                }
                g.prelude.extend(quote_spanned! {m()=>
                    static #name: ::taskward::RateLimit = #new;
                });
                quote_spanned!(m()=> &#name)
            }
            Slots::Shared(shared) => shared::reference(
                g,
                i,
                shared,
                &shared::Kind {
                    ty: quote_spanned!(m()=> ::taskward::RateLimit),
                    handle: quote_spanned!(m()=> ::taskward::__private::rate_limited::handle),
                    static_prefix: "__TASKWARD_SHARED_RATE_LIMIT",
                    handle_prefix: "__taskward_rate_limit",
                },
            ),
        };
        // With a fallback, the body runs on copies of the arguments.
        let mode = Mode {
            rerun: mode.rerun || self.fallback.is_some(),
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        match &self.wait {
            None => (
                Code::Value(quote_spanned! {m()=>
                    {
                        ::taskward::__private::rate_limited::acquire(#limit, &__TASKWARD_META).await;
                        #inner.await
                    }
                }),
                inner_fallible,
            ),
            Some(wait) => {
                let wait = g.duration_arg(i, wait);
                let inner = if inner_fallible {
                    quote_spanned!(m()=> #inner.await)
                } else {
                    quote_spanned!(m()=> ::taskward::__private::Ok(#inner.await))
                };
                let layer = Code::Value(quote_spanned! {m()=>
                    {
                        // What the call holds while the body runs is `Ok(())` of a word.
                        match ::taskward::__private::rate_limited::acquire_within(#limit, &__TASKWARD_META, #wait).await {
                            ::taskward::__private::Ok(()) => #inner,
                            ::taskward::__private::Err(__taskward_rejected) => ::taskward::__private::Err(
                                ::taskward::__private::rate_limited::rejected(#limit, &__TASKWARD_META, #wait, __taskward_rejected),
                            ),
                        }
                    }
                });
                match &self.fallback {
                    Some(fallback) => fallback.wrap(g, layer),
                    None => (layer, true),
                }
            }
        }
    }
}

impl Calls {
    fn span(&self) -> Span {
        match self {
            Calls::Lit(lit) => lit.span(),
            Calls::Const(expr) => expr.span(),
        }
    }
}

/// `per / calls`, rounded up to the nanosecond: what `RateLimit::interval` gives.
fn interval(per: Duration, calls: u32) -> Duration {
    let nanos = per.as_nanos().div_ceil(u128::from(calls.max(1)));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
