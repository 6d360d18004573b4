//! The code of `#[circuit_breaker]`: the closure that tells a failure, the `Breaker::new()` of a
//! breaker of the function's own, whether `in` names a `static`; and the words of its policy.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::Pat;
use syn::spanned::Spanned;

use super::{CircuitBreaker, Counts, Rate, Setting, Settings};
use crate::duration;
use crate::generate::m;

impl CircuitBreaker {
    /// The closure that tells a failure from the output of the layers inside: `X`, the body's
    /// output (a `Result` when `is_result`), in `Result<X, taskward::Error>` when a layer inside
    /// can fail.
    pub(super) fn is_failure(&self, is_result: bool, inner_fallible: bool) -> TokenStream {
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
    pub(super) fn constructor(&self) -> TokenStream {
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

    pub(super) fn policy(&self) -> String {
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
pub(super) fn show(tokens: TokenStream) -> String {
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

pub(super) use crate::shared::static_path;
