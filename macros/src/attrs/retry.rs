//! `#[retry]`: runs the body again when it returns an `Err` (one that `on` and `when` let
//! through), with exponential backoff, at most `attempts` times in all, no attempt beginning past
//! `total` or an outer deadline, and every retry paid for by the function's retry budget.

use core::time::Duration;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::{At, Attribute, Caps, Opts, Rerun, Runs, with_timeout};
use crate::duration::{self, Zero};
use crate::fallback_fn::Fallback;
use crate::generate::{Code, Gen, Mode, m};
use crate::item::{self, Output};
use crate::options::{RawArg, Seen, bool_lit, unknown};
use crate::rerun;
use crate::stack::Stack;
use parse::{attempts, budget, pattern, positional, predicate};

mod parse;

/// `#[retry]` resolved: every option has its value, defaults applied.
#[derive(Clone)]
pub struct Retry {
    /// Calls of the body, the first included.
    pub attempts: u32,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub jitter: bool,
    /// `on = PATTERN`: only an error that matches it is retried.
    pub on: Option<Box<Pat>>,
    /// `when = path` (or a closure): only an error for which it returns `true` is retried.
    pub when: Option<Box<Expr>>,
    /// A cap on the whole call: no attempt begins at or past it.
    pub total: Option<Duration>,
    pub budget: Budget,
    /// `fallback = path`: called with the arguments and the body's last `Err` when it gives up.
    pub fallback: Option<Fallback>,
}

/// The retry budget of the function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Budget {
    /// `budget = false`: every retry the other options allow.
    Off,
    /// `budget = 0.2`: retries up to this fraction of the calls (in millionths), plus the floor.
    PerCall(u64),
}

impl Retry {
    pub const DEFAULT_ATTEMPTS: u32 = 3;
    pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(100);
    pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(5);
    /// `budget = 0.2`, in millionths of a retry per call.
    pub const DEFAULT_BUDGET: u64 = 200_000;

    /// The backoff delays between all the attempts, added, in the shortest case: with jitter,
    /// each at its lower end (`min`); without, exactly (`min·2^k` capped at `max`).
    fn shortest_backoffs(&self) -> Duration {
        let retries = self.attempts.saturating_sub(1);
        if self.jitter {
            return self.backoff_min.saturating_mul(retries);
        }
        // `min·2^k` while below `max` (at most 64 of them), then `max` for every other retry.
        let mut sum = Duration::ZERO;
        let mut delay = self.backoff_min;
        let mut k = 0;
        while k < retries && delay < self.backoff_max {
            sum = sum.saturating_add(delay);
            delay = delay.saturating_mul(2);
            k += 1;
        }
        sum.saturating_add(self.backoff_max.saturating_mul(retries - k))
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: Self::DEFAULT_ATTEMPTS,
            backoff_min: Self::DEFAULT_BACKOFF_MIN,
            backoff_max: Self::DEFAULT_BACKOFF_MAX,
            jitter: true,
            on: None,
            when: None,
            total: None,
            budget: Budget::PerCall(Self::DEFAULT_BUDGET),
            fallback: None,
        }
    }
}

impl Attribute for Retry {
    const NAME: &'static str = "retry";
    const OPTIONS: &'static [&'static str] = &[
        "attempts", "backoff", "jitter", "on", "when", "total", "budget", "fallback",
    ];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut opts = Retry::default();
        let mut seen = Seen::new();
        for arg in args {
            let (key, value) = match arg {
                RawArg::Named { key, value } => (key, value),
                RawArg::Positional(expr) => return Err(positional(&expr)),
            };
            seen.first(&key)?;
            match key.unraw().to_string().as_str() {
                "attempts" => opts.attempts = attempts(&value)?,
                "backoff" => (opts.backoff_min, opts.backoff_max) = duration::range(&value)?,
                "jitter" => opts.jitter = bool_lit(&value, "`jitter` is `true` or `false`")?,
                "on" => opts.on = Some(Box::new(pattern(&key, value)?)),
                "when" => opts.when = Some(Box::new(predicate(value)?)),
                "total" => {
                    opts.total = duration::duration(&value, Zero::Denied)?.literal();
                }
                "budget" => opts.budget = budget(&value)?,
                "fallback" => opts.fallback = Some(Fallback::parse(&value)?),
                _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
            }
        }
        Ok(opts)
    }

    fn caps(&self) -> Caps {
        Caps {
            // It gives up with the body's last `Err`, never with an error of its own.
            fails: false,
            reruns: Some(Rerun {
                noun: "retry",
                plural: "retries",
                first_delay: self.backoff_min,
                bounded: Some(Runs {
                    most: self.attempts,
                    backoffs: self.shortest_backoffs(),
                    total: self.total,
                }),
            }),
            reads_deadlines: true,
            needs_err: Some("runs the body again when it returns an `Err`"),
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        let filter = match (&self.on, &self.when) {
            (None, None) => String::new(),
            (Some(on), None) => format!(" matching `{}`", tidy(on.to_token_stream())),
            (None, Some(when)) => format!(" for which `{}` is true", tidy(when.to_token_stream())),
            (Some(on), Some(when)) => format!(
                " matching `{}` for which `{}` is true",
                tidy(on.to_token_stream()),
                tidy(when.to_token_stream())
            ),
        };
        let total = match self.total {
            Some(total) => format!(
                "; no attempt begins {} or more after the first",
                duration::show(total)
            ),
            None => String::new(),
        };
        let budget = match self.budget {
            Budget::Off => "retries are not budgeted".to_owned(),
            Budget::PerCall(per_call) => format!(
                "retries within a budget of {} of the calls (and 10 a second)",
                percent(per_call)
            ),
        };
        let fallback = match &self.fallback {
            Some(fallback) => format!(
                "; when it gives up, returns what `{}` returns",
                fallback.path.to_token_stream().to_string().replace(' ', "")
            ),
            None => String::new(),
        };
        format!(
            "- **retry**: at most {} attempts, again after an `Err`{filter}, with a backoff of {} to {}{}{total}; {budget}{fallback}.",
            self.attempts,
            duration::show(self.backoff_min),
            duration::show(self.backoff_max),
            if self.jitter { ", jittered" } else { "" },
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, _mode: Mode) -> (Code, bool) {
        let policy = format_ident!("__TASKWARD_RETRY_{}", i, span = m());
        let attempts = self.attempts;
        let backoff_min = duration::tokens(self.backoff_min, m());
        let backoff_max = duration::tokens(self.backoff_max, m());
        let jitter = self.jitter;
        let total = match self.total {
            Some(total) => {
                let total = duration::tokens(total, m());
                quote_spanned!(m()=> ::core::option::Option::Some(#total))
            }
            None => quote_spanned!(m()=> ::core::option::Option::None),
        };
        let budget = match self.budget {
            Budget::PerCall(per_call) if self.attempts > 1 => {
                let budget = format_ident!("__TASKWARD_RETRY_BUDGET_{}", i, span = m());
                g.prelude.extend(quote_spanned! {m()=>
                    static #budget: ::taskward::__private::retry::RetryBudget = ::taskward::__private::retry::RetryBudget::new(#per_call);
                });
                quote_spanned!(m()=> ::core::option::Option::Some(&#budget))
            }
            _ => quote_spanned!(m()=> ::core::option::Option::None),
        };
        g.prelude.extend(quote_spanned! {m()=>
            static #policy: ::taskward::__private::retry::RetryPolicy = ::taskward::__private::retry::RetryPolicy {
                attempts: #attempts,
                backoff_min: #backoff_min,
                backoff_max: #backoff_max,
                jitter: #jitter,
                total: #total,
                budget: #budget,
            };
        });
        let outer = outer_deadline(g.stack, i);
        let copies = rerun::per_run_copies(g.func);
        let (inner, inner_fallible) = g.chain(i + 1, Mode { rerun: true });

        // Each attempt's output: the function's own `Result` (a failure of a layer inside carried
        // in its error type), or `Result<T, taskward::Error>` for a function whose `Err` comes
        // only from a layer inside. The output is returned as it is when the call ends; only a
        // reference to its error is taken to decide. Located at the return type: a type named
        // `Result` that is not one, or an error type without `From<taskward::Error>`, is
        // reported there, once.
        let output = g.func.output();
        let (output_at, attempt) = match output {
            Output::Result(ty) => {
                let at = m().located_at(ty.span());
                let attempt = if inner_fallible {
                    let named = item::infer_impl_trait(ty);
                    quote_spanned! {at=>
                        match #inner.await {
                            ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                            ::taskward::__private::Err(__taskward_error) => ::taskward::__private::fail::<#named>(__taskward_error),
                        }
                    }
                } else {
                    quote_spanned!(m()=> #inner.await)
                };
                (at, attempt)
            }
            Output::Plain(_) | Output::Unit => (m(), quote_spanned!(m()=> #inner.await)),
        };
        // The loop yields what the layers inside would: `Result<_, taskward::Error>` when they can
        // fail (always `Ok` for a function of its own `Result`, which carries their failures).
        let end = if matches!(output, Output::Result(_)) && inner_fallible {
            quote_spanned!(m()=> ::taskward::__private::Ok(__taskward_attempt))
        } else {
            quote_spanned!(m()=> __taskward_attempt)
        };
        let failure = quote_spanned! {output_at=>
            ::taskward::__private::retry::failure(&__taskward_attempt)
        };

        let describe = rerun::describe(&quote_spanned!(m()=> *__taskward_error));
        let on = self
            .on
            .as_ref()
            .map(|pattern| quote_spanned!(m()=> ::core::matches!(__taskward_error, #pattern)));
        let when = self.when.as_ref().map(|path| {
            let at = m().located_at(path.span());
            quote_spanned!(at=> ::taskward::__private::retry::when(__taskward_error, #path))
        });
        let filter = match (on, when) {
            (None, None) => TokenStream::new(),
            (Some(on), Some(when)) => quote_spanned!(m()=> #on && #when),
            (Some(one), None) | (None, Some(one)) => one,
        };
        let not_retried = if filter.is_empty() {
            TokenStream::new()
        } else {
            quote_spanned! {m()=>
                let __taskward_retried: bool = #filter;
                if !__taskward_retried {
                    __taskward_retry.not_retried(&#describe);
                    break #end;
                }
            }
        };
        let retries = quote_spanned! {m()=>
                {
                    let mut __taskward_retry = ::taskward::__private::retry::Retry::new(&__TASKWARD_META, &#policy, #outer);
                    loop {
                        #copies
                        // The attempt's output is gone before the backoff: nothing of it is kept
                        // across the sleep.
                        let __taskward_delay = {
                            let __taskward_attempt = #attempt;
                            let ::core::option::Option::Some(__taskward_error) = #failure else {
                                break #end;
                            };
                            #not_retried
                            let __taskward_next = __taskward_retry.next_delay(&#describe);
                            let ::core::option::Option::Some(__taskward_delay) = __taskward_next else {
                                break #end;
                            };
                            __taskward_delay
                        };
                        __taskward_retry.backoff(__taskward_delay).await;
                    }
                }
        };
        let Some(fallback) = &self.fallback else {
            return (Code::Value(retries), inner_fallible);
        };
        // When it gives up, the fallback gets the arguments (the attempts ran on copies) and the
        // last `Err`: the body's own, or a failure of a layer inside as the function's error.
        let call = fallback.call(g, &quote_spanned!(m()=> __taskward_error));
        let code = match (matches!(output, Output::Result(_)), inner_fallible) {
            (true, false) => quote_spanned! {m()=>
                match #retries {
                    ::taskward::__private::Ok(__taskward_value) => ::taskward::__private::Ok(__taskward_value),
                    ::taskward::__private::Err(__taskward_error) => #call,
                }
            },
            (true, true) => {
                let converted = fallback.call(g, &fallback.taskward_error(g));
                quote_spanned! {m()=>
                    match #retries {
                        ::taskward::__private::Ok(::taskward::__private::Ok(__taskward_value)) => ::taskward::__private::Ok(__taskward_value),
                        ::taskward::__private::Ok(::taskward::__private::Err(__taskward_error)) => #call,
                        ::taskward::__private::Err(__taskward_error) => #converted,
                    }
                }
            }
            (false, _) => quote_spanned! {m()=>
                match #retries {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => #call,
                }
            },
        };
        (Code::Value(quote_spanned!(m()=> { #code })), false)
    }
}

/// The deadline of the `#[with_timeout]` layers above layer `i` (the earliest, when there are
/// several), as an `Option<Instant>` of generated code: they publish it ([`Caps::reads_deadlines`]).
fn outer_deadline(stack: &Stack, i: usize) -> TokenStream {
    let mut names = stack.layers[..i]
        .iter()
        .enumerate()
        .filter(|(_, layer)| matches!(layer.opts, Opts::WithTimeout(_)))
        .map(|(j, _)| with_timeout::deadline_name(j));
    let Some(first) = names.next() else {
        return quote_spanned!(m()=> ::core::option::Option::None);
    };
    let earliest = names.fold(
        quote_spanned!(m()=> #first),
        |earliest, name| quote_spanned!(m()=> ::core::cmp::min(#earliest, #name)),
    );
    quote_spanned!(m()=> ::core::option::Option::Some(#earliest))
}

/// A share in millionths, as a percentage: `20%`, `0.5%`.
fn percent(per_call: u64) -> String {
    // A millionth is a ten-thousandth of a percent.
    let whole = per_call / 10_000;
    let rest = per_call % 10_000;
    if rest == 0 {
        format!("{whole}%")
    } else {
        let decimals = format!("{rest:04}");
        format!("{whole}.{}%", decimals.trim_end_matches('0'))
    }
}

/// Tokens as a reader writes them: no space around `::` or inside brackets.
fn tidy(tokens: TokenStream) -> String {
    tokens
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests;
