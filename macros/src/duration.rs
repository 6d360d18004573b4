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

/// The units a duration literal takes, exactly those the docs list (`µs` is `us`), in nanoseconds.
fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3_600 * 1_000_000_000,
        "d" => 86_400 * 1_000_000_000,
        _ => return None,
    })
}

/// Why a word is not a unit, when it is one people write: the unit to write instead.
fn unit_hint(unit: &str) -> Option<String> {
    let instead = match unit {
        "M" => {
            return Some(
                "`M` is not a unit: write `m` for minutes (months have no fixed length)".to_owned(),
            );
        }
        "w" | "week" | "weeks" => {
            return Some(format!("`{unit}` is not a unit: write days, such as `7d`"));
        }
        "y" | "year" | "years" | "month" | "months" | "mo" => {
            return Some(format!(
                "`{unit}` is not a unit: months and years have no fixed length; write days, such as `30d`"
            ));
        }
        "sec" | "secs" | "second" | "seconds" | "S" => "s",
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" | "H" => "h",
        "day" | "days" | "D" => "d",
        "msec" | "msecs" | "millis" | "MS" | "Ms" => "ms",
        "usec" | "usecs" | "micros" => "us",
        "nsec" | "nsecs" | "nanos" => "ns",
        _ => return None,
    };
    Some(format!(
        "write `{instead}` instead of `{unit}` (the units are {UNITS})"
    ))
}

/// `"0.5s"`: whole numbers only; says what to write (`500ms`) when the value is a whole number of
/// a smaller unit.
fn fraction_error(text: &str, whole: &str, after_point: &str) -> String {
    let digits: String = after_point
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let unit = after_point[digits.len()..].trim_start();
    let unit: String = unit.chars().take_while(|c| c.is_alphabetic()).collect();
    let instead = (|| {
        let scale = 10u128.checked_pow(u32::try_from(digits.len()).ok()?)?;
        let mantissa: u128 = format!("{whole}{digits}").parse().ok()?;
        let nanos = mantissa.checked_mul(unit_nanos(&unit)?)?;
        if nanos % scale != 0 {
            return None;
        }
        let nanos = nanos / scale;
        ["d", "h", "m", "s", "ms", "us", "ns"]
            .into_iter()
            .find_map(|u| {
                let n = unit_nanos(u)?;
                (nanos % n == 0).then(|| format!("{}{u}", nanos / n))
            })
    })();
    match instead {
        Some(instead) => {
            format!("`{text}`: write whole numbers, in a smaller unit where needed: `{instead}`")
        }
        None => format!(
            "`{text}`: write whole numbers, in a smaller unit where needed (`1.5s` is `1500ms`; the units are {UNITS})"
        ),
    }
}

/// Reads `"1m 30s"`: whole numbers, each followed by one of the documented units, spaces allowed
/// between the parts. Everything else is refused with what to write instead.
fn parse_duration_text(text: &str, zero: Zero) -> Result<Duration, String> {
    let not_a_duration = || {
        format!(
            "`{text}` is not a duration: write a number and a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"` (units: {UNITS})"
        )
    };
    let too_large = || format!("`{text}` is too large to be a duration");
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return Err(format!(
            "the duration is empty; write one such as `\"250ms\"` or `\"2s\"` (units: {UNITS})"
        ));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(not_a_duration());
        }
        let (number, after) = rest.split_at(digits);
        if let Some(fraction) = after.strip_prefix('.') {
            return Err(fraction_error(text, number, fraction));
        }
        let after_spaces = after.trim_start();
        let unit_len = after_spaces.len()
            - after_spaces
                .trim_start_matches(|c: char| c.is_alphabetic())
                .len();
        let (unit, after_unit) = after_spaces.split_at(unit_len);
        if unit.is_empty() {
            return Err(if after_spaces.is_empty() {
                format!(
                    "`{text}` has no unit: write `\"{number}ms\"` or `\"{number}s\"` (units: {UNITS})"
                )
            } else {
                not_a_duration()
            });
        }
        if after_unit.starts_with(|c: char| c.is_ascii_digit()) && unit == "e" {
            return Err(format!(
                "`{text}`: exponents are not read; write the number out, such as `1000ms` for `1e3ms`"
            ));
        }
        let Some(nanos) = unit_nanos(unit) else {
            return Err(unit_hint(unit).unwrap_or_else(|| {
                format!("`{unit}` is not a unit of time; the units are {UNITS}")
            }));
        };
        let number: u128 = number.parse().map_err(|_| too_large())?;
        total = number
            .checked_mul(nanos)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(too_large)?;
        rest = after_unit.trim_start();
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| too_large())?;
    #[allow(clippy::cast_possible_truncation)] // below 10^9
    let value = Duration::new(secs, (total % 1_000_000_000) as u32);
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
                show(max),
                show(min)
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

/// A duration for messages and the `# Concurrency policy` section, in the units it is written
/// with: `1m 30s`, `250ms`, `1d 2h`.
pub fn show(value: Duration) -> String {
    const PARTS: [(&str, u128); 7] = [
        ("d", 86_400 * 1_000_000_000),
        ("h", 3_600 * 1_000_000_000),
        ("m", 60 * 1_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ];
    let mut rest = value.as_nanos();
    if rest == 0 {
        return "0s".to_owned();
    }
    let mut parts = Vec::new();
    for (unit, nanos) in PARTS {
        if rest >= nanos {
            parts.push(format!("{}{unit}", rest / nanos));
            rest %= nanos;
        }
    }
    parts.join(" ")
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
    fn exactly_the_documented_units() {
        let ok = |text| parse_duration_text(text, Zero::Denied).unwrap();
        let err = |text| parse_duration_text(text, Zero::Denied).unwrap_err();
        assert_eq!(ok("1ns"), Duration::from_nanos(1));
        assert_eq!(ok("2us"), Duration::from_micros(2));
        assert_eq!(ok("2µs"), Duration::from_micros(2));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(
            ok("1d 2h 3m 4s"),
            Duration::from_secs(86_400 + 7_200 + 180 + 4)
        );
        assert_eq!(ok(" 1m30s "), Duration::from_secs(90));
        assert_eq!(ok("5 s"), Duration::from_secs(5));
        assert!(err("0.1ns").contains("whole numbers"), "{}", err("0.1ns"));
        assert!(err("1.5s").contains("`1500ms`"));
        assert!(err("0.5s").ends_with("`500ms`"), "{}", err("0.5s"));
        assert!(err("0.25 h").ends_with("`15m`"), "{}", err("0.25 h"));
        assert!(err("1e3ms").contains("exponents"), "{}", err("1e3ms"));
        assert!(err("5M").contains("write `m` for minutes"));
        assert!(err("2w").contains("7d"));
        assert!(err("1y").contains("no fixed length"));
        assert!(err("1month").contains("no fixed length"));
        assert!(err("2hours").contains("write `h` instead of `hours`"));
        assert!(err("3 secs").contains("write `s`"));
        assert!(err("-1s").contains("not a duration"));
        assert!(err("1s 2").contains("no unit"));
        assert!(err("18446744073709551616s").contains("too large"));
    }

    #[test]
    fn durations_are_shown_in_their_units() {
        assert_eq!(show(Duration::from_secs(90)), "1m 30s");
        assert_eq!(show(Duration::from_millis(250)), "250ms");
        assert_eq!(show(Duration::from_secs(86_400 + 3_600)), "1d 1h");
        assert_eq!(show(Duration::ZERO), "0s");
        assert_eq!(show(Duration::from_nanos(1_000_001)), "1ms 1ns");
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
