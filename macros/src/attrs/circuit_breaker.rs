//! `#[circuit_breaker]`: after repeated failures the calls fail at once with
//! `Error::CircuitOpen` for `reset`, then `half_open` probe calls decide whether it closes again.
//! The breaker is a `static` of the function's own, or shared with `in = NAME` / `in = EXPR`;
//! `on = pattern` or `when = path` choose which `Err`s of the body count as failures.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, Pat};

use super::{At, Attribute, Caps};
use crate::duration::{self, DurationArg, Zero};
use crate::generate::{Code, Gen, Mode, flatten, m};
use crate::item::{self, AsyncFn, Output};
use crate::options::{RawArg, Seen, bare_ident, elsewhere, unknown};

/// `#[circuit_breaker]` resolved.
#[derive(Clone)]
pub struct CircuitBreaker {
    pub breaker: Source,
    pub counts: Counts,
}

/// Where the breaker of a function is.
#[derive(Clone)]
pub enum Source {
    /// A `static` of the function's own, with these settings.
    Own(Settings),
    /// `in = EXPR`: a breaker shared with others. A path (`in = PARTNER`) names a `static`, unless
    /// it is an argument of the function; any other expression gives a `&Breaker` or a
    /// `&Arc<Breaker>`, evaluated at each call.
    Shared(Box<Expr>),
}

/// The settings of a breaker of the function's own, as written (`None`: the default of
/// `Breaker::new()`), each checked.
#[derive(Clone, Default)]
pub struct Settings {
    pub failures: Option<Setting<u32>>,
    pub rate: Option<Rate>,
    pub reset: Option<Setting<Duration>>,
    pub half_open: Option<Setting<u32>>,
}

/// A value and the span of its literal, where the code that uses it is located.
#[derive(Clone, Copy)]
pub struct Setting<T> {
    pub value: T,
    pub span: Span,
}

/// `rate = .., window = .., min_calls = ..`, the last two with their defaults applied (spanned
/// at the rate then).
#[derive(Clone, Copy)]
pub struct Rate {
    pub rate: Setting<f64>,
    pub window: Setting<u32>,
    pub min_calls: Setting<u32>,
}

/// Which outcomes of the body count as failures (a panic, and a failure of a layer inside,
/// always do).
#[derive(Clone)]
pub enum Counts {
    /// Every `Err`.
    EveryErr,
    /// `on = pattern`: the `Err`s whose error matches it.
    On { key: Ident, pattern: Box<Pat> },
    /// `when = path`: the `Err`s for whose error the function returns `true`.
    When { key: Ident, path: Box<syn::Path> },
}

impl CircuitBreaker {
    pub const DEFAULT_FAILURES: u32 = 5;
    pub const DEFAULT_RESET: Duration = Duration::from_secs(30);
    pub const DEFAULT_HALF_OPEN: u32 = 1;
    pub const DEFAULT_WINDOW: u32 = 20;
    pub const DEFAULT_MIN_CALLS: u32 = 10;
    /// `Breaker::MAX_WINDOW`.
    pub const MAX_WINDOW: u32 = 1024;
    /// `Breaker::MAX_HALF_OPEN`.
    pub const MAX_HALF_OPEN: u32 = 65_535;
}

/// The options as written, with the key each was given under.
#[derive(Default)]
struct Written {
    failures: Option<Setting<u32>>,
    rate: Option<(Ident, Setting<f64>)>,
    window: Option<(Ident, Setting<u32>)>,
    min_calls: Option<(Ident, Setting<u32>)>,
    reset: Option<Setting<Duration>>,
    half_open: Option<Setting<u32>>,
    shared: Option<Box<Expr>>,
    /// The keys of the settings of an own breaker, for the error when `in` is given too.
    settings: Vec<Ident>,
    counts: Option<Counts>,
}

impl Attribute for CircuitBreaker {
    const NAME: &'static str = "circuit_breaker";
    const OPTIONS: &'static [&'static str] = &[
        "failures",
        "rate",
        "window",
        "min_calls",
        "reset",
        "half_open",
        "in",
        "on",
        "when",
    ];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut written = Written::default();
        let mut seen = Seen::new();
        for arg in args {
            let (key, value) = match arg {
                RawArg::Named { key, value } => (key, value),
                RawArg::Positional(expr) => {
                    if let Some(key) = bare_ident(&expr)
                        && let Some(err) = elsewhere(Self::NAME, key)
                    {
                        return Err(err);
                    }
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "#[circuit_breaker] takes options written `key = value`: `failures = 5`, `reset = \"30s\"`, `half_open = 1`, `rate = 0.5`, `in = NAME`, `on = MyError::Timeout`, ...",
                    ));
                }
            };
            seen.first(&key)?;
            let name = key.unraw().to_string();
            match name.as_str() {
                "failures" => {
                    written.failures = Some(count(&value, &FAILURES)?);
                    written.settings.push(key);
                }
                "rate" => {
                    written.rate = Some((key.clone(), rate(&value)?));
                    written.settings.push(key);
                }
                "window" => {
                    written.window = Some((key.clone(), count(&value, &WINDOW)?));
                    written.settings.push(key);
                }
                "min_calls" => {
                    written.min_calls = Some((key.clone(), count(&value, &MIN_CALLS)?));
                    written.settings.push(key);
                }
                "reset" => {
                    written.reset = Some(reset(&value)?);
                    written.settings.push(key);
                }
                "half_open" => {
                    written.half_open = Some(count(&value, &HALF_OPEN)?);
                    written.settings.push(key);
                }
                "in" => written.shared = Some(Box::new(shared(value)?)),
                "on" | "when" => {
                    if let Some(Counts::On { key: first, .. } | Counts::When { key: first, .. }) =
                        &written.counts
                    {
                        return Err(syn::Error::new(
                            key.span(),
                            format!(
                                "`on` and `when` both choose the errors that count as failures; keep one (`{first}` is given already): a `when` function can match the pattern itself"
                            ),
                        ));
                    }
                    written.counts = Some(if name == "on" {
                        Counts::On {
                            pattern: Box::new(pattern(&value)?),
                            key,
                        }
                    } else {
                        Counts::When {
                            path: Box::new(predicate(value)?),
                            key,
                        }
                    });
                }
                _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
            }
        }
        let counts = written.counts.take().unwrap_or(Counts::EveryErr);
        if let Some(shared) = written.shared {
            if let Some(key) = written.settings.first() {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "`{key}` is a setting of the breaker itself, and `in` shares one that is built elsewhere: set it where that `Breaker` is built (`Breaker::new().failures(3).reset(Duration::from_secs(10))`), or drop `in` for a breaker of this function's own"
                    ),
                ));
            }
            return Ok(CircuitBreaker {
                breaker: Source::Shared(shared),
                counts,
            });
        }
        let rate = resolve_rate(&written)?;
        Ok(CircuitBreaker {
            breaker: Source::Own(Settings {
                failures: written.failures,
                rate,
                reset: written.reset,
                half_open: written.half_open,
            }),
            counts,
        })
    }

    fn validate(&self, _span: Span, func: &AsyncFn) -> syn::Result<()> {
        let key = match &self.counts {
            Counts::EveryErr => return Ok(()),
            Counts::On { key, .. } | Counts::When { key, .. } => key,
        };
        if matches!(func.output(), Output::Result(_)) {
            return Ok(());
        }
        Err(syn::Error::new(
            key.span(),
            format!(
                "`{key}` chooses which `Err`s of the body count as failures, but `{}` does not return a `Result`: only a panic, or a failure of an attribute below #[circuit_breaker], counts; remove `{key}`",
                func.sig.ident
            ),
        ))
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: true,
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        let breaker = match &self.breaker {
            Source::Shared(shared) => format!(
                "shares the breaker `{}`, with its settings",
                show(shared.to_token_stream())
            ),
            Source::Own(settings) => settings.policy(),
        };
        let counts = match &self.counts {
            Counts::EveryErr => "every `Err`".to_owned(),
            Counts::On { pattern, .. } => {
                format!("an `Err` matching `{}`", show(pattern.to_token_stream()))
            }
            Counts::When { path, .. } => {
                format!(
                    "an `Err` for which `{}` is true",
                    show(path.to_token_stream())
                )
            }
        };
        format!(
            "- **circuit_breaker**: {breaker}; an open breaker fails calls at once with `Error::CircuitOpen`. Failures: {counts}, a panic, and a failure of the attributes below."
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        // The site of the call: where its breaker is, with the function's `Meta`. For a `static`
        // breaker, a function item (nothing to hold in the call's future, no pointer to load); for
        // `in = EXPR`, a closure over the reference.
        let site = format_ident!("__taskward_site_{}", i, span = m());
        let static_site = |breaker: TokenStream| {
            quote_spanned! {m()=>
                fn #site() -> (&'static ::taskward::Breaker, &'static ::taskward::__private::Meta) {
                    (#breaker, &__TASKWARD_META)
                }
            }
        };
        let site = match &self.breaker {
            Source::Own(settings) => {
                let name = format_ident!("__TASKWARD_BREAKER_{}", i, span = m());
                let new = settings.constructor();
                let site_fn = static_site(quote_spanned!(m()=> &#name));
                g.prelude.extend(quote_spanned! {m()=>
                    static #name: ::taskward::Breaker = #new;
                    #site_fn
                });
                quote_spanned!(m()=> #site)
            }
            Source::Shared(shared) if static_path(shared, g.func) => {
                // A `static`, referred to from a `static` of ours: a `const` breaker (a new one at
                // every use) is a compile error there that says to make it a `static`.
                let name = format_ident!("__TASKWARD_SHARED_{}", i, span = m());
                let at = m().located_at(shared.span());
                let shared = &**shared;
                let reference = quote_spanned!(at=> &#shared);
                let site_fn = static_site(quote_spanned!(m()=> #name));
                g.prelude.extend(quote_spanned! {m()=>
                    static #name: &::taskward::Breaker = #reference;
                    #site_fn
                });
                quote_spanned!(m()=> #site)
            }
            Source::Shared(shared) => {
                // Evaluated once per call, before the body borrows anything: an `Arc` is cloned,
                // a reference kept.
                let handle = format_ident!("__taskward_breaker_{}", i, span = m());
                let shared = &**shared;
                let take = quote_spanned! {shared.span()=>
                    ::taskward::__private::circuit_breaker::handle(#shared)
                };
                g.prelude.extend(quote_spanned! {m()=>
                    let #handle = #take;
                    let #handle: &::taskward::Breaker = &*#handle;
                });
                let mv = syn::Token![move](m());
                quote_spanned!(m()=> #mv || (#handle, &__TASKWARD_META))
            }
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        let is_result = matches!(g.func.output(), Output::Result(_));
        let is_failure = self.is_failure(is_result, inner_fallible);
        let call = quote_spanned! {m()=>
            ::taskward::__private::circuit_breaker::call(#site, #inner, #is_failure)
        };
        (flatten(call, inner_fallible), true)
    }
}

impl CircuitBreaker {
    /// The closure that tells a failure from the output of the layers inside: `X`, the body's
    /// output (a `Result` when `is_result`), in `Result<X, taskward::Error>` when a layer inside
    /// can fail.
    fn is_failure(&self, is_result: bool, inner_fallible: bool) -> TokenStream {
        let output = quote_spanned!(m()=> __taskward_output);
        let error = quote_spanned!(m()=> __taskward_error);
        let ok = |t: TokenStream| quote_spanned!(m()=> ::taskward::__private::Ok(#t));
        let err = |t: TokenStream| quote_spanned!(m()=> ::taskward::__private::Err(#t));
        // The pattern of the body's own `Err`, within `X` (within `Ok` if a layer inside can fail).
        let in_output = |pattern: TokenStream| {
            let pattern = err(pattern);
            if inner_fallible { ok(pattern) } else { pattern }
        };
        // The failure of a layer inside.
        let inner_failure = inner_fallible.then(|| err(quote_spanned!(m()=> _)));
        let test = match &self.counts {
            Counts::When { path, .. } if is_result => {
                let inner_arm =
                    inner_failure.map(|pattern| quote_spanned!(m()=> #pattern => true,));
                let body_err = in_output(error.clone());
                // The error's type is fixed first; the predicate's call is located at its path.
                let counts = quote_spanned!(m().located_at(path.span())=> counts);
                let when = quote_spanned! {m()=>
                    ::taskward::__private::circuit_breaker::body_error(#error).#counts(#path)
                };
                quote_spanned! {m()=>
                    match #output {
                        #inner_arm
                        #body_err => #when,
                        _ => false,
                    }
                }
            }
            counts => {
                let body_err = match counts {
                    _ if !is_result => None,
                    Counts::On { pattern, .. } => Some(in_output(without_leading_vert(pattern))),
                    _ => Some(in_output(quote_spanned!(m()=> _))),
                };
                let patterns: Vec<TokenStream> =
                    inner_failure.into_iter().chain(body_err).collect();
                if patterns.is_empty() {
                    quote_spanned!(m()=> false)
                } else {
                    quote_spanned!(m()=> ::core::matches!(#output, #(#patterns)|*))
                }
            }
        };
        quote_spanned!(m()=> |#output| #test)
    }
}

impl Settings {
    /// `Breaker::new()` with the settings written: a `const` expression, for the `static`.
    fn constructor(&self) -> TokenStream {
        let mut new = quote_spanned!(m()=> ::taskward::Breaker::new());
        if let Some(Setting { value, span }) = self.failures {
            let value = unsuffixed(value, span);
            new = quote_spanned!(m().located_at(span)=> #new.failures(#value));
        }
        if let Some(Rate {
            rate,
            window,
            min_calls,
        }) = self.rate
        {
            let mut literal = proc_macro2::Literal::f64_unsuffixed(rate.value);
            literal.set_span(rate.span);
            let window = unsuffixed(window.value, window.span);
            let min_calls = unsuffixed(min_calls.value, min_calls.span);
            new = quote_spanned!(m().located_at(rate.span)=> #new.rate(#literal, #window, #min_calls));
        }
        if let Some(Setting { value, span }) = self.reset {
            let value = duration::tokens(value, m().located_at(span));
            new = quote_spanned!(m().located_at(span)=> #new.reset(#value));
        }
        if let Some(Setting { value, span }) = self.half_open {
            let value = unsuffixed(value, span);
            new = quote_spanned!(m().located_at(span)=> #new.half_open(#value));
        }
        new
    }

    fn policy(&self) -> String {
        let failures = match (&self.failures, &self.rate) {
            (Some(failures), _) => Some(failures.value),
            (None, None) => Some(CircuitBreaker::DEFAULT_FAILURES),
            (None, Some(_)) => None,
        };
        let mut rules = Vec::new();
        if let Some(failures) = failures {
            rules.push(format!("after {failures} consecutive failures"));
        }
        if let Some(rate) = &self.rate {
            rules.push(format!(
                "when {} of the last {} calls fail (from {} calls on)",
                percent(rate.rate.value),
                rate.window.value,
                rate.min_calls.value
            ));
        }
        let reset = self
            .reset
            .map_or(CircuitBreaker::DEFAULT_RESET, |reset| reset.value);
        let probes = self
            .half_open
            .map_or(CircuitBreaker::DEFAULT_HALF_OPEN, |probes| probes.value);
        format!(
            "opens {}, for {}; then lets {probes} probe call{} through, and closes when {}",
            rules.join(" or "),
            duration::show(reset),
            if probes == 1 { "" } else { "s" },
            if probes == 1 {
                "it succeeds"
            } else {
                "they all succeed"
            },
        )
    }
}

/// Tokens as a person writes them, for the docs: `MyError::Io(_)`, not `MyError :: Io (_)`.
fn show(tokens: TokenStream) -> String {
    let mut text = tokens.to_string();
    for (spaced, written) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" . ", "."),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (" {", " {"),
    ] {
        text = text.replace(spaced, written);
    }
    text
}

/// A count as a literal without a suffix, as written.
fn unsuffixed(value: u32, span: Span) -> proc_macro2::Literal {
    let mut literal = proc_macro2::Literal::u32_unsuffixed(value);
    literal.set_span(span);
    literal
}

/// `0.5` as `50%`.
fn percent(rate: f64) -> String {
    let percent = rate * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{percent:.0}%")
    } else {
        format!("{percent}%")
    }
}

/// What a count option is, for its messages.
struct CountOption {
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

const FAILURES: CountOption = CountOption {
    key: "failures",
    what: "the failures in a row that open the breaker",
    example: 5,
    zero: "`failures = 0` would open the breaker before any call failed; it must be at least 1",
    max: u32::MAX,
    above_max: "",
};

const WINDOW: CountOption = CountOption {
    key: "window",
    what: "the last calls the failure rate is computed over",
    example: 20,
    zero: "`window = 0` holds no call to compute a rate over; it must be at least 1",
    max: CircuitBreaker::MAX_WINDOW,
    above_max: "the window is a ring of bits in the breaker, at most `Breaker::MAX_WINDOW` (1024) calls",
};

const MIN_CALLS: CountOption = CountOption {
    key: "min_calls",
    what: "the calls in the window before the rate may open the breaker",
    example: 10,
    zero: "`min_calls = 0` would let a rate over no call at all open the breaker; it must be at least 1",
    max: CircuitBreaker::MAX_WINDOW,
    above_max: "it is at most the window, and the window at most `Breaker::MAX_WINDOW` (1024) calls",
};

const HALF_OPEN: CountOption = CountOption {
    key: "half_open",
    what: "the probe calls a half-open breaker lets through",
    example: 1,
    zero: "`half_open = 0` would never let a probe through, so the breaker would never close again; it must be at least 1",
    max: CircuitBreaker::MAX_HALF_OPEN,
    above_max: "a half-open breaker lets at most `Breaker::MAX_HALF_OPEN` (65535) probe calls through",
};

/// A positive integer literal that fits in a `u32` and `option.max`.
fn count(value: &Expr, option: &CountOption) -> syn::Result<Setting<u32>> {
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
fn rate(value: &Expr) -> syn::Result<Setting<f64>> {
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
fn reset(value: &Expr) -> syn::Result<Setting<Duration>> {
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
fn resolve_rate(written: &Written) -> syn::Result<Option<Rate>> {
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
fn pattern(value: &Expr) -> syn::Result<Pat> {
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

/// A pattern without the `|` that may lead an or-pattern, which only the outermost may have.
fn without_leading_vert(pattern: &Pat) -> TokenStream {
    match pattern {
        Pat::Or(or) => {
            let cases = &or.cases;
            quote::quote!(#cases)
        }
        other => other.to_token_stream(),
    }
}

/// `when = path::to::predicate`.
fn predicate(value: Expr) -> syn::Result<syn::Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path),
        other => Err(syn::Error::new_spanned(
            &other,
            "`when` takes the path of a function `fn(&E) -> bool` that says whether an error counts as a failure, such as `when = is_outage`; for variants, `on = MyError::Timeout | MyError::Io(_)` is a pattern",
        )),
    }
}

fn shared(expr: Expr) -> syn::Result<Expr> {
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

/// Whether `in = PATH` names a `static` (a path that is not an argument of the function).
fn static_path(shared: &Expr, func: &AsyncFn) -> bool {
    let Expr::Path(path) = shared else {
        return false;
    };
    match path.path.get_ident() {
        Some(ident) => !item::argument_names(&func.sig).any(|arg| arg == *ident),
        None => path.qself.is_none(),
    }
}

#[cfg(test)]
mod tests;
