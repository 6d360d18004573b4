//! Durations as written in attributes: checked literals (`"250ms"`, `"1m 30s"`) and backoff ranges
//! (`"100ms..10s"`) are read at compile time, with the error on the string; any other expression
//! is kept to be evaluated when the function is called.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::Expr;

use crate::options::str_lit;

/// A duration as written in an attribute.
#[derive(Clone)]
pub enum DurationArg {
    /// A checked literal such as `"250ms"`.
    Lit { value: Duration, span: Span },
    /// Any expression of type `Duration`, evaluated when the function is called.
    Expr(Box<Expr>),
}

impl DurationArg {
    pub fn literal(&self) -> Option<Duration> {
        match self {
            DurationArg::Lit { value, .. } => Some(*value),
            DurationArg::Expr(_) => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Zero {
    Allowed,
    Denied,
}

const UNITS: &str = "ns, us, ms, s, m, h, d";

/// A duration literal, checked now: `"250ms"`, `"1m 30s"`.
pub fn duration(expr: &Expr, zero: Zero) -> syn::Result<DurationArg> {
    let lit = str_lit(
        expr,
        "a duration is written as a string with a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"`",
    )?;
    let value =
        parse_duration_text(&lit.value(), zero).map_err(|msg| syn::Error::new(lit.span(), msg))?;
    Ok(DurationArg::Lit {
        value,
        span: lit.span(),
    })
}

fn parse_duration_text(text: &str, zero: Zero) -> Result<Duration, String> {
    let value = humantime::parse_duration(text).map_err(|err| match err {
        humantime::DurationError::UnknownUnit { unit, value, .. } if unit.is_empty() => {
            format!("`{text}` has no unit: write `\"{value}ms\"` or `\"{value}s\"` (units: {UNITS})")
        }
        humantime::DurationError::UnknownUnit { unit, .. } => {
            format!("`{unit}` is not a unit of time; the units are {UNITS}")
        }
        humantime::DurationError::Empty => {
            format!("the duration is empty; write one such as `\"250ms\"` or `\"2s\"` (units: {UNITS})")
        }
        humantime::DurationError::NumberOverflow => {
            format!("`{text}` is too large to be a duration")
        }
        _ => format!(
            "`{text}` is not a duration: write a number and a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"` (units: {UNITS})"
        ),
    })?;
    if value.is_zero() && zero == Zero::Denied {
        return Err(format!(
            "`{text}` is zero; this duration must be above zero"
        ));
    }
    Ok(value)
}

/// A backoff range, `"100ms..10s"`: both ends above zero and `min <= max`.
pub fn range(expr: &Expr) -> syn::Result<(Duration, Duration)> {
    let lit = str_lit(
        expr,
        "`backoff` is a range of durations, such as `\"100ms..10s\"`",
    )?;
    let text = lit.value();
    let err = |msg: String| syn::Error::new(lit.span(), msg);
    let Some((min, max)) = text.split_once("..") else {
        return Err(err(format!(
            "`{text}` is not a range: write the shortest and the longest delay as `\"100ms..10s\"`"
        )));
    };
    let min = parse_duration_text(min.trim(), Zero::Allowed).map_err(err)?;
    let max =
        parse_duration_text(max.trim_start_matches('=').trim(), Zero::Allowed).map_err(err)?;
    if min.is_zero() || max.is_zero() {
        return Err(err(format!(
            "`{text}`: both ends of `backoff` must be above zero (the shortest delay first, as in `\"100ms..10s\"`)"
        )));
    }
    if min > max {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{text}` is inverted: the shortest delay comes first, as in `\"{}..{}\"`",
                humantime::format_duration(max),
                humantime::format_duration(min)
            ),
        ));
    }
    Ok((min, max))
}

/// A duration known now, as an expression of generated code.
pub fn tokens(value: Duration, span: Span) -> TokenStream {
    let secs = value.as_secs();
    let nanos = value.subsec_nanos();
    quote_spanned! {span=> ::core::time::Duration::new(#secs, #nanos) }
}

/// A duration for the `# Concurrency policy` section: `1m 30s`.
pub fn show(value: Duration) -> String {
    humantime::format_duration(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_fail_with_reasons() {
        assert_eq!(
            parse_duration_text("1m 30s", Zero::Denied),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(parse_duration_text("0s", Zero::Allowed), Ok(Duration::ZERO));
        assert!(
            parse_duration_text("0s", Zero::Denied)
                .unwrap_err()
                .contains("zero")
        );
        assert!(
            parse_duration_text("100", Zero::Denied)
                .unwrap_err()
                .contains("no unit")
        );
        assert!(
            parse_duration_text("5 parsecs", Zero::Denied)
                .unwrap_err()
                .contains("not a unit")
        );
        assert!(
            parse_duration_text("99999999999999999999999s", Zero::Denied)
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn ranges_are_ordered() {
        let expr: Expr = syn::parse_quote!("100ms..10s");
        assert_eq!(
            range(&expr).unwrap(),
            (Duration::from_millis(100), Duration::from_secs(10))
        );
        let inverted: Expr = syn::parse_quote!("10s..1s");
        assert!(
            range(&inverted)
                .unwrap_err()
                .to_string()
                .contains("inverted")
        );
    }
}
