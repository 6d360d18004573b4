//! The options of `#[retry]`, each read and checked: `attempts`, `on`, `when`, `budget`, and a
//! positional argument, with their messages.

use quote::ToTokens;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, Pat};

use super::{Attribute, Budget, Retry};
use crate::options::{bare_ident, elsewhere, int_lit};

const FORM: &str = "#[retry] takes options written `key = value`: `attempts = 3`, `backoff = \"100ms..5s\"`, `jitter = false`, `on = MyError::Timeout | MyError::Io(_)`, `when = path::to::predicate`, `total = \"10s\"`, `budget = 0.2`";

/// A positional argument: `#[retry(3)]`, `#[retry(jitter)]`, an option of another attribute.
pub(super) fn positional(expr: &Expr) -> syn::Error {
    if let Some(key) = bare_ident(expr) {
        if key == "jitter" {
            return syn::Error::new_spanned(
                expr,
                "`jitter` takes a value: `jitter = false` draws no jitter (it is on by default)",
            );
        }
        if let Some(err) = elsewhere(Retry::NAME, key) {
            return err;
        }
    }
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = expr
    {
        return syn::Error::new(
            lit.span(),
            format!(
                "write the number of attempts as `attempts = {}` (calls of the body, the first included)",
                lit.base10_digits()
            ),
        );
    }
    syn::Error::new_spanned(expr, FORM)
}

pub(super) fn attempts(value: &Expr) -> syn::Result<u32> {
    let lit = int_lit(
        value,
        "`attempts` is how many times the body may be called in all, the first included: a positive integer such as `3`",
    )?;
    if !matches!(
        lit.suffix(),
        "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
    ) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`attempts` is an unsigned integer: drop the `{}` suffix",
                lit.suffix()
            ),
        ));
    }
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`attempts = 0` would never call the body: `attempts` counts the calls, the first included, so `attempts = 3` is the first call and 2 retries",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(syn::Error::new(
            lit.span(),
            "this number does not fit in a `u32`",
        )),
    }
}

/// `on = PATTERN`, read from its tokens as written.
pub(super) fn pattern(key: &syn::Ident, value: Expr) -> syn::Result<Pat> {
    const WHAT: &str = "`on` takes a pattern over the function's error, such as `on = MyError::Timeout | MyError::Io(_)`";
    let tokens = match value {
        Expr::Verbatim(tokens) => tokens,
        other => other.into_token_stream(),
    };
    if tokens.is_empty() {
        return Err(syn::Error::new(key.span(), WHAT));
    }
    if let Ok(Expr::Closure(closure)) = syn::parse2::<Expr>(tokens.clone()) {
        return Err(syn::Error::new_spanned(
            closure,
            format!(
                "{WHAT}; for a function of the error, write `when = path::to::function` (a `fn(&E) -> bool`)"
            ),
        ));
    }
    Pat::parse_multi_with_leading_vert
        .parse2(tokens)
        .map_err(|err| syn::Error::new(err.span(), format!("{WHAT}: {err}")))
}

/// `when = path`: the path of a function of the error, or a closure.
pub(super) fn predicate(value: Expr) -> syn::Result<Expr> {
    match value {
        Expr::Path(_) | Expr::Closure(_) => Ok(value),
        other => Err(syn::Error::new_spanned(
            other,
            "`when` takes a function `fn(&E) -> bool` of the function's error `E`: its path, such as `when = is_transient` or `when = MyError::is_transient`, or a closure such as `when = |err: &MyError| err.is_transient()`",
        )),
    }
}

/// `budget = 0.2` (a fraction of the calls, from 0 to 1), or `budget = false`.
pub(super) fn budget(value: &Expr) -> syn::Result<Budget> {
    const WHAT: &str = "`budget` is the share of the calls that retries may add, from `0` to `1`, such as `budget = 0.2` (the default); `budget = false` turns the budget off";
    let (digits, suffix, span) = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => {
            return if lit.value {
                Err(syn::Error::new(
                    lit.span(),
                    "the budget is on by default (`budget = 0.2`): write a share of the calls such as `budget = 0.1`, or `budget = false` to turn it off",
                ))
            } else {
                Ok(Budget::Off)
            };
        }
        Expr::Lit(ExprLit {
            lit: Lit::Float(lit),
            ..
        }) => (
            lit.base10_digits().to_owned(),
            lit.suffix().to_owned(),
            lit.span(),
        ),
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => (
            lit.base10_digits().to_owned(),
            lit.suffix().to_owned(),
            lit.span(),
        ),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => {
            return Err(syn::Error::new_spanned(
                value,
                format!("a budget cannot be negative: {WHAT}"),
            ));
        }
        other => return Err(syn::Error::new_spanned(other, WHAT)),
    };
    if !suffix.is_empty() {
        return Err(syn::Error::new(
            span,
            format!("drop the `{suffix}` suffix: {WHAT}"),
        ));
    }
    let share: f64 = digits.parse().map_err(|_| syn::Error::new(span, WHAT))?;
    if !(0.0..=1.0).contains(&share) {
        return Err(syn::Error::new(
            span,
            format!(
                "`budget = {digits}` is above 1: retries could then add more than the calls themselves, and a budget is there to keep them a small share; {WHAT}"
            ),
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // within 0..=1_000_000
    let per_call = (share * 1e6).round() as u64;
    if per_call == 0 && share > 0.0 {
        return Err(syn::Error::new(
            span,
            format!(
                "`budget = {digits}` is below a millionth of a retry per call: write `budget = 0` for the floor alone (10 retries a second)"
            ),
        ));
    }
    Ok(Budget::PerCall(per_call))
}
