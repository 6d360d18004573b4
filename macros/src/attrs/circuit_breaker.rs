//! `#[circuit_breaker]`: after repeated failures the calls fail at once with
//! `Error::CircuitOpen` for `reset`, then `half_open` probe calls decide whether it closes again.
//! The breaker is a `static` of the function's own, or shared with `in = NAME` / `in = EXPR`;
//! `on = pattern` or `when = path` choose which `Err`s of the body count as failures.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat};

use super::{At, Attribute, Caps};
use crate::fallback_fn::Fallback;
use crate::generate::{Code, Gen, Mode, flatten, m};
use crate::item::{AsyncFn, Output};
use crate::options::{RawArg, Seen, bare_ident, elsewhere, unknown};
use generate::{show, static_path};
use parse::{
    FAILURES, HALF_OPEN, MIN_CALLS, WINDOW, count, pattern, predicate, rate, reset, resolve_rate,
    shared,
};

mod generate;
mod parse;

/// `#[circuit_breaker]` resolved.
#[derive(Clone)]
pub struct CircuitBreaker {
    pub breaker: Source,
    pub counts: Counts,
    /// `fallback = path`: called with the arguments and the refusal (`CircuitOpen`, or the failure
    /// of a layer inside) instead of failing.
    pub fallback: Option<Fallback>,
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
    fallback: Option<Fallback>,
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
        "fallback",
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
                "fallback" => written.fallback = Some(Fallback::parse(&value)?),
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
                fallback: written.fallback,
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
            fallback: written.fallback,
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
            fails: self.fallback.is_none(),
            fallback: self.fallback.is_some(),
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
        let fallback = self
            .fallback
            .as_ref()
            .map(Fallback::describe)
            .unwrap_or_default();
        format!(
            "- **circuit_breaker**: {breaker}; an open breaker fails calls at once with `Error::CircuitOpen`{fallback}. Failures: {counts}, a panic, and a failure of the attributes below."
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
        // With a fallback, the body runs on copies of the arguments.
        let mode = Mode {
            rerun: mode.rerun || self.fallback.is_some(),
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        let is_result = matches!(g.func.output(), Output::Result(_));
        let is_failure = self.is_failure(is_result, inner_fallible);
        let call = quote_spanned! {m()=>
            ::taskward::__private::circuit_breaker::call(#site, #inner, #is_failure)
        };
        let layer = flatten(call, inner_fallible);
        match &self.fallback {
            Some(fallback) => fallback.wrap(g, layer),
            None => (layer, true),
        }
    }
}

#[cfg(test)]
mod tests;
