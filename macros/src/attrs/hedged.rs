//! `#[hedged]`: when a call has not finished after `after`, the body starts again on fresh copies
//! of the arguments, at most `max` times, and the first run to finish is the call's output.

use core::time::Duration;

use quote::{format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Type};

use super::{At, Attribute, Caps, Rerun};
use crate::duration::{self, Zero};
use crate::generate::{Code, Gen, Mode, m};
use crate::item::AsyncFn;
use crate::options::{RawArg, Seen, bare_ident, elsewhere, int_lit, str_lit, unknown};
use crate::rerun;

/// `#[hedged]` resolved.
#[derive(Clone)]
pub struct Hedged {
    pub after: After,
    /// The most runs started after the first.
    pub max: u8,
}

/// When the next run starts.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum After {
    /// `after = "50ms"`.
    Fixed(Duration),
    /// `after = "p95"`: the function's observed latency percentile, clamped to `bounds`, and
    /// `initial` until `warm` calls have been seen.
    Percentile {
        /// Hundredths of a percent: 9500 for p95.
        quantile: u32,
        floor: Duration,
        cap: Duration,
        initial: Duration,
    },
}

impl After {
    /// The shortest delay before a hedge.
    fn shortest(self) -> Duration {
        match self {
            After::Fixed(delay) => delay,
            After::Percentile { floor, initial, .. } => floor.min(initial),
        }
    }
}

impl Hedged {
    pub const DEFAULT_MAX: u8 = 1;
    /// The most `max` may be.
    pub const MAX_MAX: u8 = 4;
    pub const DEFAULT_FLOOR: Duration = Duration::from_millis(1);
    pub const DEFAULT_CAP: Duration = Duration::from_secs(10);
    /// The samples a percentile needs at the least.
    pub const MIN_WARM: u32 = 20;

    /// The calls the histogram must have seen before its percentile is read: 20, or enough for
    /// the percentile's tail to hold one sample (100 for p99, 1000 for p99.9).
    pub fn warm(quantile: u32) -> u32 {
        (10_000 / (10_000 - quantile)).max(Self::MIN_WARM)
    }
}

const FORM: &str = "#[hedged] takes options written `key = value`: `after = \"50ms\"` (or `after = \"p95\"`), `max = 1`, and with a percentile `bounds = \"1ms..10s\"`, `initial = \"100ms\"`";

impl Attribute for Hedged {
    const NAME: &'static str = "hedged";
    const OPTIONS: &'static [&'static str] = &["after", "max", "bounds", "initial"];

    fn parse(at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut seen = Seen::new();
        let mut after = None;
        let mut max = Self::DEFAULT_MAX;
        let mut bounds = None;
        let mut initial = None;
        for arg in args {
            let (key, value) = match arg {
                RawArg::Named { key, value } => (key, value),
                RawArg::Positional(expr) => return Err(positional(&expr)),
            };
            seen.first(&key)?;
            match key.unraw().to_string().as_str() {
                "after" => after = Some(parse_after(&value)?),
                "max" => max = parse_max(&value)?,
                "bounds" => {
                    let range = duration::range(&value)?;
                    bounds = Some((key, range));
                }
                "initial" => {
                    let delay = duration::duration(&value, Zero::Denied)?
                        .literal()
                        .unwrap_or_default();
                    initial = Some((key, value.span(), delay));
                }
                _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
            }
        }
        let Some(after) = after else {
            return Err(at.error(
                "#[hedged] needs `after`, the delay before a run starts again when the call has not finished: `after = \"50ms\"`, or a percentile of the function's observed latency such as `after = \"p95\"`",
            ));
        };
        let after = match after {
            AfterText::Fixed(delay) => {
                // Options of a percentile only: `bounds` is reported if written, else `initial`.
                let stray = bounds
                    .map(|(key, _)| key)
                    .or(initial.map(|(key, _, _)| key));
                if let Some(key) = stray {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "`{key}` applies to a percentile `after` (such as `after = \"p95\"`); with `after = \"{}\"` every hedge starts after that delay: drop `{key}`",
                            duration::show(delay)
                        ),
                    ));
                }
                After::Fixed(delay)
            }
            AfterText::Percentile(quantile) => {
                let (floor, cap) =
                    bounds.map_or((Self::DEFAULT_FLOOR, Self::DEFAULT_CAP), |(_, range)| range);
                let initial = match initial {
                    Some((_, span, delay)) if delay < floor || delay > cap => {
                        return Err(syn::Error::new(
                            span,
                            format!(
                                "`initial` is the delay before the percentile is known, and must be within `bounds` ({}..{}): write an `initial` within them, or widen `bounds`",
                                duration::show(floor),
                                duration::show(cap)
                            ),
                        ));
                    }
                    Some((_, _, delay)) => delay,
                    None => cap,
                };
                After::Percentile {
                    quantile,
                    floor,
                    cap,
                    initial,
                }
            }
        };
        Ok(Hedged { after, max })
    }

    fn caps(&self) -> Caps {
        Caps {
            reruns: Some(Rerun {
                noun: "hedge",
                plural: "hedges",
                first_delay: self.after.shortest(),
                bounded: None,
            }),
            concurrent_runs: true,
            ..Caps::default()
        }
    }

    fn validate(&self, _span: proc_macro2::Span, func: &AsyncFn) -> syn::Result<()> {
        const WHY: &str = "#[hedged] runs the body more than once at the same time, and two runs cannot both hold a `&mut` borrow";
        for arg in &func.sig.inputs {
            match arg {
                FnArg::Receiver(receiver) => {
                    let exclusive = match &receiver.kind {
                        syn::ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
                        syn::ReceiverKind::Typed(_, ty) => is_exclusive(ty),
                        _ => false,
                    };
                    if exclusive {
                        return Err(syn::Error::new_spanned(
                            receiver,
                            format!(
                                "{WHY}: take `&self` (with interior mutability for what the runs change), or put #[hedged] on a function that does not need `&mut self`"
                            ),
                        ));
                    }
                }
                FnArg::Typed(arg) if is_exclusive(&arg.ty) => {
                    return Err(syn::Error::new_spanned(
                        arg,
                        format!(
                            "{WHY}: take a shared reference `&T` (with interior mutability for what the runs change), or an owned value that each run gets a copy of"
                        ),
                    ));
                }
                FnArg::Typed(_) => {}
            }
        }
        Ok(())
    }

    fn policy(&self) -> String {
        let runs = u32::from(self.max) + 1;
        let after = match self.after {
            After::Fixed(delay) => duration::show(delay),
            After::Percentile {
                quantile,
                floor,
                cap,
                initial,
            } => format!(
                "the {} of its observed latency (within {}..{}; {} until {} calls have been seen)",
                percentile_text(quantile),
                duration::show(floor),
                duration::show(cap),
                duration::show(initial),
                Self::warm(quantile),
            ),
        };
        format!(
            "- **hedged**: when a run has not finished after {after}, starts another on fresh copies of the arguments, up to {runs} runs at once; the first to finish is the output, the others are dropped."
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, _mode: Mode) -> (Code, bool) {
        let policy = format_ident!("__TASKWARD_HEDGED_{}", i, span = m());
        let module = quote_spanned!(m()=> ::taskward::__private::hedged);
        let after = match self.after {
            After::Fixed(delay) => {
                let delay = duration::tokens(delay, m());
                quote_spanned!(m()=> #module::After::Fixed(#delay))
            }
            After::Percentile {
                quantile,
                floor,
                cap,
                initial,
            } => {
                let histogram = format_ident!("__TASKWARD_HEDGED_HISTOGRAM_{}", i, span = m());
                let warm = Self::warm(quantile);
                let (floor, cap, initial) = (
                    duration::tokens(floor, m()),
                    duration::tokens(cap, m()),
                    duration::tokens(initial, m()),
                );
                g.prelude.extend(quote_spanned! {m()=>
                    static #histogram: #module::Histogram = #module::Histogram::new(#quantile, #warm, #floor, #cap, #initial);
                });
                quote_spanned!(m()=> #module::After::Percentile(&#histogram))
            }
        };
        g.prelude.extend(quote_spanned! {m()=>
            static #policy: #module::HedgePolicy = #module::HedgePolicy { after: #after };
        });
        let copies = rerun::per_run_copies(g.func);
        let (inner, inner_fallible) = g.chain(i + 1, Mode { rerun: true });
        // One slot per run: the first and `max` hedges.
        let mut slots = quote_spanned!(m()=> #module::End);
        for _ in 0..=self.max {
            slots = quote_spanned!(m()=> #module::Slot::new(#slots));
        }
        let call = quote_spanned! {m()=>
            #module::hedged(&__TASKWARD_META, &#policy, #slots, move || {
                #copies
                #inner
            })
        };
        (Code::Future(call), inner_fallible)
    }
}

/// `after` as written: a duration, or a percentile.
enum AfterText {
    Fixed(Duration),
    Percentile(u32),
}

fn parse_after(value: &Expr) -> syn::Result<AfterText> {
    let lit = str_lit(
        value,
        "`after` is a duration written as a string, such as `after = \"50ms\"`, or a percentile of the function's observed latency, such as `after = \"p95\"`",
    )?;
    let text = lit.value();
    if let Some(number) = text.strip_prefix('p') {
        return percentile(number)
            .map(AfterText::Percentile)
            .ok_or_else(|| {
                syn::Error::new(
                    lit.span(),
                    format!(
                        "`{text}` is not a percentile #[hedged] reads: write `p` and a number from 50 to 99.9 with at most one decimal, such as `\"p50\"`, `\"p95\"`, `\"p99\"` or `\"p99.9\"`"
                    ),
                )
            });
    }
    let delay = duration::duration(value, Zero::Allowed)?
        .literal()
        .unwrap_or_default();
    if delay.is_zero() {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`after = \"{text}\"` would start every hedge with the first run, doubling every call: write a delay above zero, about the function's usual slow latency (such as its p95), or `after = \"p95\"` to follow it"
            ),
        ));
    }
    Ok(AfterText::Fixed(delay))
}

/// `95` → 9500, `99.9` → 9990 (hundredths of a percent): from 50 to 99.9, one decimal at most.
fn percentile(number: &str) -> Option<u32> {
    let (whole, tenth) = match number.split_once('.') {
        Some((whole, tenth)) => (whole, Some(tenth)),
        None => (number, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 2 {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let tenth = match tenth {
        None => 0,
        Some(t) if t.len() == 1 && t.as_bytes()[0].is_ascii_digit() => {
            u32::from(t.as_bytes()[0] - b'0')
        }
        Some(_) => return None,
    };
    (50..=99)
        .contains(&whole)
        .then_some(whole * 100 + tenth * 10)
}

/// 9500 → `p95`, 9990 → `p99.9`.
fn percentile_text(quantile: u32) -> String {
    if quantile.is_multiple_of(100) {
        format!("p{}", quantile / 100)
    } else {
        format!("p{}.{}", quantile / 100, quantile % 100 / 10)
    }
}

fn parse_max(value: &Expr) -> syn::Result<u8> {
    let what = format!(
        "`max` is the most runs started after the first, from 1 to {}, such as `max = 2`",
        Hedged::MAX_MAX
    );
    let lit = int_lit(value, &what)?;
    match lit.base10_parse::<u64>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`max = 0` would never start a hedge: `max` counts the runs started after the first, so `max = 1` (the default) is at most two runs at once; drop #[hedged] for none",
        )),
        Ok(n) if n <= u64::from(Hedged::MAX_MAX) && lit.suffix().is_empty() => {
            Ok(u8::try_from(n).unwrap_or(Hedged::MAX_MAX))
        }
        Ok(n) if n <= u64::from(Hedged::MAX_MAX) => Err(syn::Error::new(
            lit.span(),
            format!("drop the `{}` suffix: {what}", lit.suffix()),
        )),
        _ => Err(syn::Error::new(
            lit.span(),
            format!(
                "`max = {}` is too many: each hedge is one more run of the body at once, and past {} they add load without shortening the tail; {what}",
                lit.base10_digits(),
                Hedged::MAX_MAX
            ),
        )),
    }
}

/// A positional argument: `#[hedged("50ms")]`, `#[hedged(2)]`, an option of another attribute.
fn positional(expr: &Expr) -> syn::Error {
    if let Some(key) = bare_ident(expr)
        && let Some(err) = elsewhere(Hedged::NAME, key)
    {
        return err;
    }
    if let Ok(lit) = str_lit(expr, "") {
        return syn::Error::new(
            lit.span(),
            format!(
                "write the delay as `after = {}`",
                quote::ToTokens::to_token_stream(lit)
            ),
        );
    }
    syn::Error::new_spanned(expr, FORM)
}

/// `&mut T`, `Pin<&mut T>`: a borrow that only one run at a time may hold.
fn is_exclusive(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => reference.mutability.is_some(),
        Type::Group(group) => is_exclusive(&group.elem),
        Type::Paren(paren) => is_exclusive(&paren.elem),
        Type::Path(path) => path.path.segments.last().is_some_and(|last| {
            last.ident == "Pin"
                && matches!(&last.arguments, syn::PathArguments::AngleBracketed(args)
                    if matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Reference(r))) if r.mutability.is_some()))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
