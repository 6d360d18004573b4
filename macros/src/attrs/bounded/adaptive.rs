//! `#[bounded(adaptive)]`: a limit that follows the latency of the calls, between `min` and `max`
//! (`initial`, `algorithm`), of the function's own or shared with `in = NAME | EXPR`. Its options
//! as written and resolved, their checks, its policy line and its code.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::{Expr, ExprLit, Ident, Lit, LitInt};

use super::{Bounded, MAX_LIMIT};
use crate::generate::{Code, Gen, Mode, m};
use crate::item::Output;
use crate::options::bare_ident;
use crate::shared;

/// The defaults, as `taskward::AdaptiveLimit` has them.
pub const DEFAULT_MIN: usize = 1;
pub const DEFAULT_MAX: usize = 128;

/// An adaptive limit, resolved: its own (with its settings), or a shared `AdaptiveBulkhead`.
#[derive(Clone)]
pub enum Adaptive {
    Own(Settings),
    /// `in = EXPR`: the settings are the shared bulkhead's.
    Shared(Box<Expr>),
}

/// The settings written (`None`: the default), each checked, and `min <= initial <= max`.
#[derive(Clone, Default)]
pub struct Settings {
    pub min: Option<Count>,
    pub max: Option<Count>,
    pub initial: Option<Count>,
    pub algorithm: Option<(Algorithm, Span)>,
}

#[derive(Clone, Copy)]
pub struct Count {
    pub value: usize,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Aimd,
    Vegas,
}

/// The adaptive options as written.
#[derive(Default)]
pub struct Written {
    /// The `adaptive` keyword.
    pub keyword: Option<Ident>,
    /// The first of `min`, `max`, `initial`, `algorithm` written, for "without `adaptive`".
    pub first_key: Option<Ident>,
    pub settings: Settings,
}

/// Whether `expr` is the `adaptive` keyword.
pub fn keyword(expr: &Expr) -> Option<Ident> {
    bare_ident(expr)
        .filter(|ident| ident.unraw() == "adaptive")
        .cloned()
}

/// The keys this module reads.
pub fn is_key(key: &str) -> bool {
    matches!(key, "adaptive" | "min" | "max" | "initial" | "algorithm")
}

impl Written {
    /// `key = value` for one of [`is_key`]'s keys.
    pub fn option(&mut self, key: &Ident, value: &Expr) -> syn::Result<()> {
        let name = key.unraw().to_string();
        if name == "adaptive" {
            return Err(syn::Error::new(
                key.span(),
                "`adaptive` is written alone, first: `#[bounded(adaptive)]`, or `#[bounded(adaptive, min = 2, max = 64)]`",
            ));
        }
        if self.first_key.is_none() {
            self.first_key = Some(key.clone());
        }
        let settings = &mut self.settings;
        match name.as_str() {
            "min" => settings.min = Some(count(value, "min")?),
            "max" => settings.max = Some(count(value, "max")?),
            "initial" => settings.initial = Some(count(value, "initial")?),
            _ => settings.algorithm = Some(algorithm(value)?),
        }
        Ok(())
    }

    /// The adaptive limit, if `adaptive` is written; `limit` (a fixed limit) and `shared` (`in`)
    /// are the other sources of permits written.
    pub fn resolve(
        self,
        limit: Option<Span>,
        shared: Option<&Expr>,
    ) -> syn::Result<Option<Adaptive>> {
        if self.keyword.is_none() {
            return match self.first_key {
                Some(key) => Err(syn::Error::new(
                    key.span(),
                    format!(
                        "`{}` is a setting of an adaptive limit: write `#[bounded(adaptive, {} = ...)]`; a fixed limit is `#[bounded(n)]`",
                        key.unraw(),
                        key.unraw()
                    ),
                )),
                None => Ok(None),
            };
        }
        if let Some(limit) = limit {
            return Err(not_fixed(limit));
        }
        if let Some(shared) = shared {
            if let Some(key) = self.first_key {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "with `in`, the settings are the shared `AdaptiveBulkhead`'s: drop `{}` here, and set it in `AdaptiveLimit` where the bulkhead is made",
                        key.unraw()
                    ),
                ));
            }
            return Ok(Some(Adaptive::Shared(Box::new(shared.clone()))));
        }
        let s = &self.settings;
        let min = s.min.map_or(DEFAULT_MIN, |c| c.value);
        let max = s.max.map_or(DEFAULT_MAX, |c| c.value);
        if min > max {
            return Err(match (s.min, s.max) {
                (Some(written), Some(_)) => syn::Error::new(
                    written.span,
                    format!(
                        "`min = {min}` is above `max = {max}`: the limit moves between them, so `min <= max`"
                    ),
                ),
                (Some(written), None) => syn::Error::new(
                    written.span,
                    format!(
                        "`min = {min}` is above the default `max` ({DEFAULT_MAX}): write `max = ...` too"
                    ),
                ),
                // `max` is at least 1, the default `min`.
                _ => unreachable!("min > max with the default min"),
            });
        }
        if let Some(initial) = s.initial
            && !(min..=max).contains(&initial.value)
        {
            return Err(syn::Error::new(
                initial.span,
                format!(
                    "`initial = {}` is outside `[min, max]` = [{min}, {max}]: the limit starts within its bounds",
                    initial.value
                ),
            ));
        }
        Ok(Some(Adaptive::Own(self.settings)))
    }
}

/// A fixed limit written with `adaptive`.
pub fn not_fixed(at: Span) -> syn::Error {
    syn::Error::new(
        at,
        "an adaptive limit is not fixed: drop this number, and write `initial = ...` for the limit to start at, or `max = ...` for the most it may reach",
    )
}

fn count(value: &Expr, key: &str) -> syn::Result<Count> {
    let what = format!(
        "`{key}` of an adaptive limit is a positive integer (a number of calls at once), such as `{key} = {}`",
        match key {
            "min" => 2,
            "max" => 64,
            _ => 8,
        }
    );
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = value
    else {
        return Err(syn::Error::new_spanned(value, what));
    };
    let parsed = unsigned(lit, key)?;
    if parsed == 0 {
        return Err(syn::Error::new(
            lit.span(),
            format!("`{key} = 0` would never let a call run; an adaptive limit is at least 1"),
        ));
    }
    if parsed > MAX_LIMIT {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{key}` is above the most an `AdaptiveBulkhead` holds, `AdaptiveBulkhead::MAX_LIMIT` ({MAX_LIMIT})"
            ),
        ));
    }
    Ok(Count {
        value: parsed,
        span: lit.span(),
    })
}

fn unsigned(lit: &LitInt, key: &str) -> syn::Result<usize> {
    if !matches!(
        lit.suffix(),
        "" | "usize" | "u8" | "u16" | "u32" | "u64" | "u128"
    ) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{key}` is an unsigned integer: drop the `{}` suffix",
                lit.suffix()
            ),
        ));
    }
    lit.base10_parse::<usize>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!("this `{key}` does not fit in a `usize`"),
        )
    })
}

fn algorithm(value: &Expr) -> syn::Result<(Algorithm, Span)> {
    const WHAT: &str = "the algorithm of an adaptive limit is `aimd` (the default: additive increase, multiplicative decrease) or `vegas` (keeps a small queue at the dependency)";
    let Some(ident) = bare_ident(value) else {
        return Err(syn::Error::new_spanned(value, WHAT));
    };
    match ident.unraw().to_string().as_str() {
        "aimd" => Ok((Algorithm::Aimd, ident.span())),
        "vegas" => Ok((Algorithm::Vegas, ident.span())),
        _ => Err(syn::Error::new(ident.span(), WHAT)),
    }
}

impl Settings {
    /// `AdaptiveBulkhead::new(AdaptiveLimit::new()...)`, with the settings written: a `const`
    /// expression, for the `static`.
    fn constructor(&self) -> TokenStream {
        let mut settings = quote_spanned!(m()=> ::taskward::AdaptiveLimit::new());
        for (name, count) in [
            ("min", self.min),
            ("max", self.max),
            ("initial", self.initial),
        ] {
            if let Some(Count { value, span }) = count {
                let method = format_ident!("{}", name, span = m());
                let mut literal = proc_macro2::Literal::usize_unsuffixed(value);
                literal.set_span(span);
                settings = quote_spanned!(m().located_at(span)=> #settings.#method(#literal));
            }
        }
        if let Some((algorithm, span)) = self.algorithm {
            let variant = match algorithm {
                Algorithm::Aimd => quote_spanned!(m()=> Aimd),
                Algorithm::Vegas => quote_spanned!(m()=> Vegas),
            };
            settings = quote_spanned! {m().located_at(span)=>
                #settings.algorithm(::taskward::Algorithm::#variant)
            };
        }
        quote_spanned!(m()=> ::taskward::AdaptiveBulkhead::new(#settings))
    }

    fn describe(&self) -> String {
        let min = self.min.map_or(DEFAULT_MIN, |c| c.value);
        let max = self.max.map_or(DEFAULT_MAX, |c| c.value);
        let initial = self.initial.map_or(min, |c| c.value);
        let algorithm = match self.algorithm {
            Some((Algorithm::Vegas, _)) => "Vegas",
            _ => "AIMD",
        };
        format!(
            "an adaptive limit ({algorithm}) of {min} to {max} calls at once, starting at {initial}, that follows the calls' latency"
        )
    }
}

impl Adaptive {
    pub fn policy(&self) -> String {
        match self {
            Adaptive::Own(settings) => settings.describe(),
            Adaptive::Shared(shared) => format!(
                "shares the adaptive limit of `{}`",
                quote::ToTokens::to_token_stream(shared)
            ),
        }
    }

    /// The code of layer `i`: the permit taken, the layers inside awaited, the outcome reported.
    pub fn generate(
        &self,
        bounded: &Bounded,
        g: &mut Gen<'_>,
        i: usize,
        mode: Mode,
    ) -> (Code, bool) {
        let bulkhead = match self {
            Adaptive::Own(settings) => {
                let name = format_ident!("__TASKWARD_ADAPTIVE_{}", i, span = m());
                let new = settings.constructor();
                g.prelude.extend(quote_spanned! {m()=>
                    static #name: ::taskward::AdaptiveBulkhead = #new;
                });
                quote_spanned!(m()=> &#name)
            }
            Adaptive::Shared(shared) => shared::reference(
                g,
                i,
                shared,
                &shared::Kind {
                    ty: quote_spanned!(m()=> ::taskward::AdaptiveBulkhead),
                    handle: quote_spanned!(m()=> ::taskward::__private::bounded_adaptive::handle),
                    static_prefix: "__TASKWARD_SHARED",
                    handle_prefix: "__taskward_bulkhead",
                },
            ),
        };
        let mode = Mode {
            rerun: mode.rerun || bounded.fallback.is_some(),
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        let is_result = matches!(g.func.output(), Output::Result(_));
        let succeeded = succeeded(is_result, inner_fallible);
        let permit = quote_spanned!(m()=> __taskward_permit);
        let output = quote_spanned!(m()=> __taskward_output);
        match &bounded.wait {
            None => (
                Code::Value(quote_spanned! {m()=>
                    {
                        let #permit = ::taskward::__private::bounded_adaptive::acquire(#bulkhead, &__TASKWARD_META).await;
                        let #output = #inner.await;
                        #permit.finish(#succeeded);
                        #output
                    }
                }),
                inner_fallible,
            ),
            Some(wait) => {
                let wait = g.duration_arg(i, wait);
                let wrapped = if inner_fallible {
                    output.clone()
                } else {
                    quote_spanned!(m()=> ::taskward::__private::Ok(#output))
                };
                let layer = Code::Value(quote_spanned! {m()=>
                    {
                        match ::taskward::__private::bounded_adaptive::acquire_within(#bulkhead, &__TASKWARD_META, #wait).await {
                            ::taskward::__private::Ok(#permit) => {
                                let #output = #inner.await;
                                #permit.finish(#succeeded);
                                #wrapped
                            }
                            ::taskward::__private::Err(__taskward_error) => ::taskward::__private::Err(__taskward_error),
                        }
                    }
                });
                match &bounded.fallback {
                    Some(fallback) => fallback.wrap(g, layer),
                    None => (layer, true),
                }
            }
        }
    }
}

/// Whether `__taskward_output` (the output of the layers inside) is a success: not the body's
/// `Err`, nor the failure of a layer inside.
fn succeeded(is_result: bool, inner_fallible: bool) -> TokenStream {
    let err = quote_spanned!(m()=> ::taskward::__private::Err(_));
    let patterns: Vec<TokenStream> = match (is_result, inner_fallible) {
        (false, false) => return quote_spanned!(m()=> true),
        (true, false) | (false, true) => vec![err],
        (true, true) => vec![
            err,
            quote_spanned!(m()=> ::taskward::__private::Ok(::taskward::__private::Err(_))),
        ],
    };
    quote_spanned!(m()=> !::core::matches!(__taskward_output, #(#patterns)|*))
}
