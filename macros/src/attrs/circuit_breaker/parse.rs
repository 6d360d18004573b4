//! The options of `#[circuit_breaker]`, each read and checked: the counts, `rate` with its window,
//! `reset`, `on`, `when` and `in`, with their messages.

use core::time::Duration;

use quote::ToTokens;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, Pat};

use super::{CircuitBreaker, Rate, Setting, Written};
use crate::duration::{self, DurationArg, Zero};
use crate::generate::m;

/// What a count option is, for its messages.
pub(super) struct CountOption {
    key: &'static str,
    /// What it counts.
    what: &'static str,
    /// A value to write.
    example: u32,
    /// Why zero makes no sense.
    zero: &'static str,
    max: u32,
    /// Why the maximum.
    above_max: &'static str,
}

pub(super) const FAILURES: CountOption = CountOption {
    key: "failures",
    what: "the failures in a row that open the breaker",
    example: 5,
    zero: "`failures = 0` would open the breaker before any call failed; it must be at least 1",
    max: u32::MAX,
    above_max: "",
};

pub(super) const WINDOW: CountOption = CountOption {
    key: "window",
    what: "the last calls the failure rate is computed over",
    example: 20,
    zero: "`window = 0` holds no call to compute a rate over; it must be at least 1",
    max: CircuitBreaker::MAX_WINDOW,
    above_max: "the window is a ring of bits in the breaker, at most `Breaker::MAX_WINDOW` (1024) calls",
};

pub(super) const MIN_CALLS: CountOption = CountOption {
    key: "min_calls",
    what: "the calls in the window before the rate may open the breaker",
    example: 10,
    zero: "`min_calls = 0` would let a rate over no call at all open the breaker; it must be at least 1",
    max: CircuitBreaker::MAX_WINDOW,
    above_max: "it is at most the window, and the window at most `Breaker::MAX_WINDOW` (1024) calls",
};

pub(super) const HALF_OPEN: CountOption = CountOption {
    key: "half_open",
    what: "the probe calls a half-open breaker lets through",
    example: 1,
    zero: "`half_open = 0` would never let a probe through, so the breaker would never close again; it must be at least 1",
    max: CircuitBreaker::MAX_HALF_OPEN,
    above_max: "a half-open breaker lets at most `Breaker::MAX_HALF_OPEN` (65535) probe calls through",
};

/// A positive integer literal that fits in a `u32` and `option.max`.
pub(super) fn count(value: &Expr, option: &CountOption) -> syn::Result<Setting<u32>> {
    let CountOption {
        key, what, example, ..
    } = option;
    let lit = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit,
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => {
            return Err(syn::Error::new_spanned(
                value,
                format!("`{key}` is a count, never negative: {what}, such as `{key} = {example}`"),
            ));
        }
        other => {
            return Err(syn::Error::new_spanned(
                other,
                format!("`{key}` is a positive integer: {what}, such as `{key} = {example}`"),
            ));
        }
    };
    if !matches!(
        lit.suffix(),
        "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
    ) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{key}` is an unsigned integer: drop the `{}` suffix",
                lit.suffix()
            ),
        ));
    }
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(lit.span(), option.zero)),
        Ok(n) if n > option.max => Err(syn::Error::new(
            lit.span(),
            format!("`{key} = {n}` is too large: {}", option.above_max),
        )),
        Ok(n) => Ok(Setting {
            value: n,
            span: lit.span(),
        }),
        Err(_) => Err(syn::Error::new(
            lit.span(),
            format!("`{key}` does not fit in a `u32`"),
        )),
    }
}

/// `rate = 0.5`: a share of calls, above 0 and at most 1.
pub(super) fn rate(value: &Expr) -> syn::Result<Setting<f64>> {
    const WHAT: &str = "`rate` is the share of failed calls among the last `window` that opens the breaker: a number above 0 and at most 1, such as `0.5`";
    let (rate, span) = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Float(lit),
            ..
        }) if matches!(lit.suffix(), "" | "f32" | "f64") => {
            (lit.base10_parse::<f64>()?, lit.span())
        }
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) if lit.suffix().is_empty() => (lit.base10_parse::<f64>()?, lit.span()),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => {
            return Err(syn::Error::new_spanned(
                value,
                format!("{WHAT}; a negative rate would open it at once"),
            ));
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) if lit.value().trim_end().ends_with('%') => {
            let text = lit.value();
            let number = text.trim_end().trim_end_matches('%').trim();
            let instead = number
                .parse::<f64>()
                .map_or_else(|_| "0.5".to_owned(), |n| format!("{}", n / 100.0));
            return Err(syn::Error::new(
                lit.span(),
                format!("`rate` is a number, not a percentage: write `{instead}`"),
            ));
        }
        other => return Err(syn::Error::new_spanned(other, WHAT)),
    };
    if rate > 0.0 && rate <= 1.0 {
        return Ok(Setting { value: rate, span });
    }
    let message = if rate == 0.0 {
        "`rate = 0` would open the breaker when no call failed: the rate is the share of failed calls that opens it, above 0 and at most 1, such as `0.5`".to_owned()
    } else if rate <= 100.0 {
        format!(
            "`rate = {rate}` is above 1: the rate is a share of the calls, at most 1; for {rate}% write `{}`",
            rate / 100.0
        )
    } else {
        format!("`rate = {rate}` is above 1: {WHAT}")
    };
    Err(syn::Error::new(span, message))
}

/// `reset = "30s"`: above zero, in whole milliseconds.
pub(super) fn reset(value: &Expr) -> syn::Result<Setting<Duration>> {
    let DurationArg::Lit { value: reset, span } = duration::duration(value, Zero::Allowed)? else {
        return Err(syn::Error::new_spanned(
            value,
            "`reset` takes a duration literal, such as `\"30s\"`",
        ));
    };
    if reset.is_zero() {
        return Err(syn::Error::new(
            span,
            "a `reset` of zero would let a probe through as soon as the breaker opens: it must stay open for a while, such as `reset = \"30s\"`",
        ));
    }
    if reset.subsec_nanos() % 1_000_000 != 0 {
        let rounded = Duration::from_millis(
            u64::try_from(reset.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX),
        );
        return Err(syn::Error::new(
            span,
            format!(
                "a breaker keeps its times in whole milliseconds: write `\"{}\"`",
                duration::show(rounded)
            ),
        ));
    }
    Ok(Setting { value: reset, span })
}

/// The rate with its window and minimum, defaults applied and checked against each other.
pub(super) fn resolve_rate(written: &Written) -> syn::Result<Option<Rate>> {
    let Some((_, rate)) = &written.rate else {
        if let Some((key, _)) = written.window.as_ref().or(written.min_calls.as_ref()) {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "`{key}` belongs to the failure rate: write `rate = 0.5` too (the breaker opens when that share of the last `window` calls failed, once there are `min_calls`)"
                ),
            ));
        }
        return Ok(None);
    };
    // A default is located at the rate, but not spanned there: a lint of the literal we write
    // must not read the rate's.
    let default = |value| Setting {
        value,
        span: m().located_at(rate.span),
    };
    let window = written
        .window
        .as_ref()
        .map_or(default(CircuitBreaker::DEFAULT_WINDOW), |(_, window)| {
            *window
        });
    let min_calls = match &written.min_calls {
        Some((_, min_calls)) if min_calls.value > window.value => {
            return Err(syn::Error::new(
                min_calls.span,
                format!(
                    "`min_calls = {}` is more than the window of {} calls, which never holds that many: write at most `min_calls = {}`, or a larger `window`",
                    min_calls.value, window.value, window.value
                ),
            ));
        }
        Some((_, min_calls)) => *min_calls,
        None => default(CircuitBreaker::DEFAULT_MIN_CALLS.min(window.value)),
    };
    Ok(Some(Rate {
        rate: *rate,
        window,
        min_calls,
    }))
}

/// `on = MyError::Timeout | MyError::Io(_)`: the value, read as a pattern. A name alone would bind
/// any error (a misspelled variant imported with `use MyError::*` becomes one): it must be a path.
pub(super) fn pattern(value: &Expr) -> syn::Result<Pat> {
    let tokens = value.to_token_stream();
    let pattern = Pat::parse_multi_with_leading_vert
        .parse2(tokens)
        .map_err(|_| {
            syn::Error::new_spanned(
                value,
                "`on` takes a pattern of the error type, such as `MyError::Timeout | MyError::Io(_)`",
            )
        })?;
    let alternatives: Vec<&Pat> = match &pattern {
        Pat::Or(or) => or.cases.iter().collect(),
        other => vec![other],
    };
    for alternative in alternatives {
        match alternative {
            Pat::Wild(wild) => {
                return Err(syn::Error::new_spanned(
                    wild,
                    "`on = _` counts every error, which is what the breaker does without `on`: remove it",
                ));
            }
            Pat::Ident(ident) if ident.subpat.is_none() => {
                let name = &ident.ident;
                return Err(syn::Error::new_spanned(
                    ident,
                    format!(
                        "`{name}` alone is a name that would match any error: write the variant with its type, such as `MyError::{name}` (or the path of a constant)"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(pattern)
}

/// `when = path::to::predicate`.
pub(super) fn predicate(value: Expr) -> syn::Result<syn::Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path),
        other => Err(syn::Error::new_spanned(
            &other,
            "`when` takes the path of a function `fn(&E) -> bool` that says whether an error counts as a failure, such as `when = is_outage`; for variants, `on = MyError::Timeout | MyError::Io(_)` is a pattern",
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
                "`in` cannot name an associated constant: a `const` breaker is a new one at every use, so it would never open; declare a `static` in the module, or keep a `Breaker` in the struct and write `in = &self.field`",
            ))
        }
        Expr::Lit(lit) => Err(syn::Error::new_spanned(
            &lit,
            "`in` takes the breaker to share: the name of a `static NAME: taskward::Breaker`, or an expression giving a `&Breaker` or `&Arc<Breaker>` (such as `&self.breaker`); for settings of the function's own, write them here: `failures = 3`",
        )),
        other => Ok(other),
    }
}
