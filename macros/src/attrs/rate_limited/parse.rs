//! The options of `#[rate_limited]`, each read and checked: the number of calls, `per`, `burst`,
//! `in`, a rate of the function's own as a whole, and a stray positional argument, with their
//! messages.

use core::time::Duration;

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, ExprLit, Ident, Lit, LitInt};

use super::{At, Attribute, Calls, Rate, RateLimited, interval};
use crate::duration::{self, DurationArg, Zero};
use crate::options::{bare_ident, elsewhere};

/// The largest period a `RateLimit` takes, in nanoseconds.
const MAX_NANOS: u128 = u64::MAX as u128;

/// A rate of the function's own, checked as a whole.
pub(super) fn own(
    at: &At,
    calls: Option<Calls>,
    per: Option<(Ident, Duration, Span)>,
    burst: Option<(Ident, LitInt)>,
) -> syn::Result<Rate> {
    let Some(calls) = calls else {
        return Err(match &per {
            Some((key, ..)) => syn::Error::new(
                key.span(),
                "the number of calls comes first: `#[rate_limited(10, per = \"1s\")]` for at most 10 calls per second",
            ),
            None => at.error(
                "#[rate_limited] needs a rate: `#[rate_limited(10, per = \"1s\")]` for at most 10 calls per second, or `#[rate_limited(in = NAME)]` to share a `static NAME: taskward::RateLimit`",
            ),
        });
    };
    let Some((_, per, per_span)) = per else {
        let n = match &calls {
            Calls::Lit(lit) => lit.base10_digits().to_owned(),
            Calls::Const(expr) => expr.to_token_stream().to_string(),
        };
        return Err(syn::Error::new(
            calls.span(),
            format!(
                "#[rate_limited] needs the period of its rate: write `#[rate_limited({n}, per = \"1s\")]` for at most {n} calls per second"
            ),
        ));
    };
    if per.as_nanos() > MAX_NANOS {
        return Err(syn::Error::new(
            per_span,
            "this period is longer than a `RateLimit` holds (`u64::MAX` nanoseconds, some 584 years)",
        ));
    }
    if let Calls::Lit(lit) = &calls {
        let n: u32 = lit.base10_parse()?;
        if per.as_nanos() < u128::from(n) {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "{n} calls per {} is more than one call per nanosecond, which a `RateLimit` cannot space; for no limit at all, remove #[rate_limited]",
                    duration::show(per)
                ),
            ));
        }
        if let Some((_, burst)) = &burst {
            let b: u32 = burst.base10_parse()?;
            let tolerance = interval(per, n).as_nanos() * u128::from(b - 1);
            if tolerance > MAX_NANOS {
                return Err(syn::Error::new(
                    burst.span(),
                    format!(
                        "a burst of {b} at one call every {} reaches further ahead than a `RateLimit` holds (`u64::MAX` nanoseconds, some 584 years)",
                        duration::show(interval(per, n))
                    ),
                ));
            }
        }
    }
    Ok(Rate {
        calls,
        per,
        per_span,
        burst: burst.map(|(_, lit)| lit),
    })
}

/// A second positional argument: most likely the period without its key.
pub(super) fn positional(expr: &Expr) -> syn::Error {
    if let Some(key) = bare_ident(expr)
        && let Some(err) = elsewhere(RateLimited::NAME, key)
    {
        return err;
    }
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = expr
    {
        return syn::Error::new(
            lit.span(),
            format!(
                "the period is written `per = \"{}\"`: `#[rate_limited(10, per = \"{}\")]`",
                lit.value(),
                lit.value()
            ),
        );
    }
    syn::Error::new_spanned(
        expr,
        "the number of calls comes first; other options are written `key = value`: `per = \"1s\"`, `burst = 5`, `wait = \"100ms\"`, `in = NAME`",
    )
}

/// An unsigned integer suffix, or none.
fn unsigned_suffix(lit: &LitInt, what: &str) -> syn::Result<()> {
    if matches!(
        lit.suffix(),
        "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
    ) {
        Ok(())
    } else {
        Err(syn::Error::new(
            lit.span(),
            format!(
                "{what} is an unsigned integer: drop the `{}` suffix",
                lit.suffix()
            ),
        ))
    }
}

pub(super) fn calls(expr: Expr) -> syn::Result<Calls> {
    const WHAT: &str = "the number of calls per period of #[rate_limited] must be a positive integer, such as `10` in `#[rate_limited(10, per = \"1s\")]`, or the path of a `u32` constant";
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => {
            unsigned_suffix(&lit, "the number of calls")?;
            match lit.base10_parse::<u32>() {
                Ok(0) => Err(syn::Error::new(
                    lit.span(),
                    "#[rate_limited(0, ..)] would never let a call start; the number of calls per period must be at least 1",
                )),
                Ok(_) => Ok(Calls::Lit(lit)),
                Err(_) => Err(syn::Error::new(
                    lit.span(),
                    "this number of calls does not fit in a `u32`; write the rate over a shorter period (`per`)",
                )),
            }
        }
        Expr::Path(path) if path.qself.is_none() => Ok(Calls::Const(Box::new(Expr::Path(path)))),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Err(syn::Error::new(
            lit.span(),
            if lit
                .value()
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
                && lit
                    .value()
                    .trim_end()
                    .ends_with(|c: char| c.is_alphabetic())
            {
                format!(
                    "the number of calls comes first, then the period: `#[rate_limited(10, per = \"{}\")]`",
                    lit.value()
                )
            } else {
                format!(
                    "the number of calls is a number, not a string: write `{}`",
                    lit.value()
                )
            },
        )),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => Err(syn::Error::new_spanned(
            &expr,
            "the number of calls per period of #[rate_limited] must be positive: at most this many calls start per period, such as `10`",
        )),
        other => Err(syn::Error::new_spanned(&other, WHAT)),
    }
}

/// The period: a duration literal above zero (it makes a `static`, so no other expression).
pub(super) fn per(value: &Expr) -> syn::Result<(Duration, Span)> {
    if !matches!(
        value,
        Expr::Lit(ExprLit {
            lit: Lit::Str(_),
            ..
        })
    ) {
        return Err(syn::Error::new_spanned(
            value,
            "`per` takes a duration literal such as `per = \"1s\"` (the function's rate limit is a `static`); for a period known at run time, build a `RateLimit::new(n, period)` once and write `in = &limit`",
        ));
    }
    match duration::duration(value, Zero::Allowed)? {
        DurationArg::Lit { value: per, span } if per.is_zero() => Err(syn::Error::new(
            span,
            "a period of zero would let every call start at once; write the period over which the calls may start, such as `per = \"1s\"`",
        )),
        DurationArg::Lit { value: per, span } => Ok((per, span)),
        DurationArg::Expr(expr) => Err(syn::Error::new_spanned(
            expr,
            "`per` takes a duration literal",
        )),
    }
}

pub(super) fn burst(value: &Expr) -> syn::Result<LitInt> {
    const WHAT: &str =
        "`burst` is how many calls may start back to back: a positive integer such as `burst = 5`";
    let lit = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit,
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`burst` is a number, not a string: write `burst = {}`",
                    lit.value()
                ),
            ));
        }
        other => return Err(syn::Error::new_spanned(other, WHAT)),
    };
    unsigned_suffix(lit, "`burst`")?;
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`burst = 0` would never let a call start; it must be at least 1 (`burst = 1` spaces every call by the interval)",
        )),
        Ok(_) => Ok(lit.clone()),
        Err(_) => Err(syn::Error::new(
            lit.span(),
            "this burst does not fit in a `u32`",
        )),
    }
}

pub(super) fn shared(expr: Expr) -> syn::Result<Expr> {
    match expr {
        Expr::Path(path)
            if path
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "Self") =>
        {
            Err(syn::Error::new_spanned(
                &path,
                "`in` cannot name an associated constant: a `const` rate limit is a new one at every use, so it would limit nothing; declare a `static` in the module, or keep a `RateLimit` in the struct and write `in = &self.field`",
            ))
        }
        Expr::Lit(lit) => Err(syn::Error::new_spanned(
            &lit,
            "`in` takes the rate limit to share: the name of a `static NAME: taskward::RateLimit`, or an expression giving a `&RateLimit` or `&Arc<RateLimit>` (such as `&self.limit`); for a rate of the function's own, write `#[rate_limited(10, per = \"1s\")]`",
        )),
        other => Ok(other),
    }
}
