//! Stack lints: orders and combinations that are almost always a mistake, written once per
//! capability (holds a permit, runs the body again, sets a deadline) rather than once per pair of
//! attributes. They are soft findings, emitted as warnings on stable Rust: the use of a deprecated
//! constant named after the lint, spanned at the attribute, whose note says what is wrong and how
//! to acknowledge it. `allow(name)` on any attribute of the stack acknowledges one.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::attrs::Runs;
use crate::duration::show;
use crate::generate::m;
use crate::item::AsyncFn;
use crate::stack::Stack;

/// The names of the stack lints, for `allow(...)`.
pub const NAMES: &[&str] = &[
    "permit_held_across_restarts",
    "deadline_before_first_restart",
    "span_per_restart",
    "permit_held_across_retries",
    "deadline_shorter_than_retries",
    "total_shorter_than_retries",
    "span_per_retry",
    "deadline_before_first_hedge",
    "span_per_hedge",
];

/// One finding: where, the lint's name (one of [`NAMES`]), and the message.
pub struct Finding {
    pub span: Span,
    /// The attribute the finding is on, where `allow(name)` acknowledges it.
    pub attribute: &'static str,
    pub name: String,
    pub message: String,
}

/// Every finding of the stack, in order.
pub fn check(stack: &Stack, func: &AsyncFn) -> Vec<Finding> {
    let mut findings = Vec::new();
    permit_held_across_reruns(stack, &mut findings);
    deadline_before_first_rerun(stack, &mut findings);
    deadline_shorter_than_runs(stack, &mut findings);
    total_shorter_than_runs(stack, &mut findings);
    span_per_rerun(stack, func, &mut findings);
    deadline_before_first_hedge(stack, &mut findings);
    findings
}

/// `#[tracing::instrument]` above a stack that runs the body again makes a new span for each run,
/// and taskward's own events (restarts, backoff) fall outside every one of them.
fn span_per_rerun(stack: &Stack, func: &AsyncFn, findings: &mut Vec<Finding>) {
    let Some((rerun_at, rerun)) = stack.first_rerun() else {
        return;
    };
    if !func.instrumented_inside() {
        return;
    }
    let first = &stack.layers[0];
    let rerunning = stack.layers[rerun_at].name();
    findings.push(Finding {
        span: first.span,
        attribute: first.name(),
        name: format!("span_per_{}", rerun.noun),
        message: format!(
            "#[tracing::instrument] above #[{rerunning}] makes a new span for each run, and taskward's own events (each {noun}, its backoff) fall outside them; put #[tracing::instrument] below the taskward attributes for one span over the whole call, with taskward's events inside it",
            noun = rerun.noun,
        ),
    });
}

/// A permit held outside a layer that runs the body again is held through every backoff sleep.
fn permit_held_across_reruns(stack: &Stack, findings: &mut Vec<Finding>) {
    let Some((rerun_at, rerun)) = stack.first_rerun() else {
        return;
    };
    if stack.layers[rerun_at].caps().concurrent_runs {
        // Hedges overlap the first run: no backoff sleep to hold a permit through.
        return;
    }
    let rerunning = stack.layers[rerun_at].name();
    for holder in stack.layers[..rerun_at]
        .iter()
        .filter(|layer| layer.caps().holds_permit)
    {
        let holding = holder.name();
        findings.push(Finding {
            span: holder.span,
            attribute: holding,
            name: format!("permit_held_across_{}", rerun.plural),
            message: format!(
                "#[{holding}] above #[{rerunning}] holds its permit through every {noun} and backoff sleep; put #[{holding}] below #[{rerunning}] to hold it only while a run is in progress",
                noun = rerun.noun,
            ),
        });
    }
}

/// The latency budget of a deadline around a layer that runs the body again: when the deadline
/// ends before the first rerun could even begin (a run cut by its own per-run deadline, then the
/// shortest backoff), the layer can never run the body again.
fn deadline_before_first_rerun(stack: &Stack, findings: &mut Vec<Finding>) {
    let Some((rerun_at, rerun)) = stack.first_rerun() else {
        return;
    };
    if rerun.bounded.is_some() || stack.layers[rerun_at].caps().concurrent_runs {
        // All the runs are checked: `deadline_shorter_than_runs`; hedges: their own lint.
        return;
    }
    let Some((outer_layer, outer)) = stack.layers[..rerun_at]
        .iter()
        .find_map(|layer| layer.caps().deadline.map(|limit| (layer, limit)))
    else {
        return;
    };
    let per_run = stack.layers[rerun_at + 1..]
        .iter()
        .find_map(|layer| layer.caps().deadline)
        .unwrap_or_default();
    let first_rerun = per_run.saturating_add(rerun.first_delay);
    if outer > first_rerun {
        return;
    }
    let why = if per_run.is_zero() {
        format!("the shortest backoff ({})", show(rerun.first_delay))
    } else {
        format!(
            "a run cut at its own deadline ({}) and the shortest backoff ({})",
            show(per_run),
            show(rerun.first_delay)
        )
    };
    findings.push(Finding {
        span: outer_layer.span,
        attribute: outer_layer.name(),
        name: format!("deadline_before_first_{}", rerun.noun),
        message: format!(
            "the deadline of {} ends before #[{}] could {} anything: the first {} needs {why}; lengthen the deadline or shorten the backoff",
            show(outer),
            stack.layers[rerun_at].name(),
            rerun.noun,
            rerun.noun,
        ),
    });
}

/// The deadline of a run cut by its own per-run deadline below the rerunning layer, if any.
fn per_run_deadline(stack: &Stack, rerun_at: usize) -> Duration {
    stack.layers[rerun_at + 1..]
        .iter()
        .find_map(|layer| layer.caps().deadline)
        .unwrap_or_default()
}

/// What the runs of a layer that runs the body at most `most` times need: `runs` of them, each
/// cut at its own deadline, and every backoff delay at its shortest.
fn runs_need(runs: &Runs, per_run: Duration, counted: u32) -> Duration {
    per_run
        .saturating_mul(counted)
        .saturating_add(runs.backoffs)
}

/// Why `counted` runs (and the backoff delays between them and the next) need that long, for
/// the messages.
fn runs_why(runs: &Runs, per_run: Duration, counted: u32) -> String {
    if per_run.is_zero() {
        format!(
            "the backoff delays between them take at least {}",
            show(runs.backoffs)
        )
    } else {
        format!(
            "when each is cut at its own deadline ({}), {} attempts and the backoff delays (at least {}) take {}",
            show(per_run),
            counted,
            show(runs.backoffs),
            show(runs_need(runs, per_run, counted)),
        )
    }
}

/// The latency budget of a deadline around a layer that runs the body at most so many times
/// (`#[retry]`): when the deadline ends before all the runs could be made (each cut at its own
/// deadline, the backoff delays at their shortest), the last ones can never run, or are cut.
fn deadline_shorter_than_runs(stack: &Stack, findings: &mut Vec<Finding>) {
    let Some((rerun_at, rerun)) = stack.first_rerun() else {
        return;
    };
    let Some(runs) = rerun.bounded else {
        return;
    };
    let Some((outer_layer, outer)) = stack.layers[..rerun_at]
        .iter()
        .find_map(|layer| layer.caps().deadline.map(|limit| (layer, limit)))
    else {
        return;
    };
    let per_run = per_run_deadline(stack, rerun_at);
    if runs.most < 2 || outer > runs_need(&runs, per_run, runs.most) {
        return;
    }
    let rerunning = stack.layers[rerun_at].name();
    findings.push(Finding {
        span: outer_layer.span,
        attribute: outer_layer.name(),
        name: format!("deadline_shorter_than_{}", rerun.plural),
        message: format!(
            "the deadline of {} is too short for the {} attempts of #[{rerunning}]: {}{}; lengthen the deadline, lower `attempts`, or shorten the backoff",
            show(outer),
            runs.most,
            runs_why(&runs, per_run, runs.most),
            if per_run.is_zero() {
                ", so the last could never begin"
            } else {
                ""
            },
        ),
    });
}

/// `total` against the runs it caps: when even in the shortest case the last run could not begin
/// within it (the runs before it cut at their own deadline, the backoff delays at their
/// shortest), `total` takes runs away that the number of attempts promises.
fn total_shorter_than_runs(stack: &Stack, findings: &mut Vec<Finding>) {
    let Some((rerun_at, rerun)) = stack.first_rerun() else {
        return;
    };
    let Some(runs) = rerun.bounded else {
        return;
    };
    let Some(total) = runs.total else {
        return;
    };
    let per_run = per_run_deadline(stack, rerun_at);
    let before_last = runs.most.saturating_sub(1);
    if runs.most < 2 || total > runs_need(&runs, per_run, before_last) {
        return;
    }
    let layer = &stack.layers[rerun_at];
    findings.push(Finding {
        span: layer.span,
        attribute: layer.name(),
        name: format!("total_shorter_than_{}", rerun.plural),
        message: format!(
            "`total = \"{}\"` is too short for the {} attempts of #[{}]: {}, so the last could never begin within it; lengthen `total`, lower `attempts`, or shorten the backoff",
            show(total),
            runs.most,
            layer.name(),
            runs_why(&runs, per_run, before_last),
        ),
    });
}

/// `#[hedged]` below a deadline that ends before its first hedge could begin (the deadline above
/// it, or a per-run deadline below it that cuts the first run first): it never hedges.
fn deadline_before_first_hedge(stack: &Stack, findings: &mut Vec<Finding>) {
    let Some((at, rerun)) = stack.first_rerun() else {
        return;
    };
    if !stack.layers[at].caps().concurrent_runs {
        return;
    }
    let after = rerun.first_delay;
    let outer = stack.layers[..at]
        .iter()
        .find_map(|layer| layer.caps().deadline.map(|limit| (layer, limit, "above")));
    let inner = stack.layers[at + 1..]
        .iter()
        .find_map(|layer| layer.caps().deadline.map(|limit| (layer, limit, "below")));
    for (layer, limit, place) in [outer, inner].into_iter().flatten() {
        if limit > after {
            continue;
        }
        let ends = if place == "above" {
            "the call ends"
        } else {
            "the first run fails"
        };
        findings.push(Finding {
            span: layer.span,
            attribute: layer.name(),
            name: format!("deadline_before_first_{}", rerun.noun),
            message: format!(
                "the deadline of {} (#[{}] {place} #[{}]) is not longer than the delay before the first hedge ({}): {ends} before a hedge could start, so #[{}] never hedges; lengthen the deadline or shorten `after`",
                show(limit),
                layer.name(),
                stack.layers[at].name(),
                show(after),
                stack.layers[at].name(),
            ),
        });
        return;
    }
}

/// The findings as warnings: each is the use of a deprecated constant named after it.
pub fn emit(stack: &Stack, func: &AsyncFn) -> TokenStream {
    let allowed = |name: &str| {
        stack
            .layers
            .iter()
            .any(|layer| layer.allow.iter().any(|allow| allow == name))
    };
    check(stack, func)
        .into_iter()
        .filter(|finding| !allowed(&finding.name))
        .map(|finding| {
            let note = format!(
                "{} (taskward: to keep it so, write `allow({})` among the options of #[{}])",
                finding.message, finding.name, finding.attribute
            );
            let name = syn::Ident::new(&finding.name, m());
            let used = syn::Ident::new(&finding.name, finding.span);
            quote_spanned! {m()=>
                {
                    #[deprecated(note = #note)]
                    #[allow(non_upper_case_globals)]
                    const #name: () = ();
                    let () = #used;
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::NAMES;
    use crate::attrs::Kind;
    use crate::pipeline::expand;

    /// Every finding of every rerunning attribute is named in [`NAMES`], so `allow(..)` takes it,
    /// and `allow(..)` silences exactly the named one.
    #[test]
    fn findings_are_named_in_the_list_and_allowed_one_by_one() {
        let stack_with = |rerun: proc_macro2::TokenStream, allow: proc_macro2::TokenStream| {
            expand(
                Kind::WithTimeout,
                quote!("1ms" #allow),
                quote! {
                    #[bounded(1)]
                    #rerun
                    // As `#[tracing::instrument]` above leaves the body.
                    async fn f() -> Result<(), E> { let __tracing_attr_span = (); Ok(()) }
                },
            )
            .to_string()
        };
        let stack = |allow| stack_with(quote!(#[supervised]), allow);
        let all = stack(quote!())
            + &stack_with(quote!(#[retry(total = "1ms")]), quote!())
            + &stack_with(quote!(#[hedged(after = "1s")]), quote!());
        for name in NAMES {
            assert!(all.contains(&format!("const {name}")), "{name}: {all}");
        }
        let one = stack(quote!(, allow(deadline_before_first_restart)));
        assert!(one.contains("const permit_held_across_restarts"));
        assert!(!one.contains("const deadline_before_first_restart"));
    }

    /// A deadline above or below `#[hedged]` that is not longer than `after` is reported; a
    /// permit above it is not (one permit for the call is a choice, documented).
    #[test]
    fn a_deadline_before_the_first_hedge_is_reported() {
        let lints =
            |first: Kind, args: proc_macro2::TokenStream, below: proc_macro2::TokenStream| {
                expand(
                    first,
                    args,
                    quote!(#below async fn f() -> Result<(), E> { Ok(()) }),
                )
                .to_string()
            };
        let hedged = |after: &str| quote!(#[hedged(after = #after)]);
        let found = |text: String| text.contains("const deadline_before_first_hedge");
        assert!(found(lints(
            Kind::WithTimeout,
            quote!("50ms"),
            hedged("50ms")
        )));
        assert!(!found(lints(
            Kind::WithTimeout,
            quote!("51ms"),
            hedged("50ms")
        )));
        assert!(found(lints(
            Kind::Hedged,
            quote!(after = "50ms"),
            quote!(#[with_timeout("40ms")])
        )));
        assert!(!found(lints(
            Kind::Hedged,
            quote!(after = "50ms"),
            quote!(#[with_timeout("60ms")])
        )));
        // A percentile: the shortest delay is the floor (or `initial`, if shorter).
        assert!(!found(lints(
            Kind::WithTimeout,
            quote!("50ms"),
            hedged("p95")
        )));
        assert!(found(lints(
            Kind::WithTimeout,
            quote!("50ms"),
            quote!(#[hedged(after = "p95", bounds = "50ms..1s")])
        )));
        let bounded = lints(Kind::Bounded, quote!(1), hedged("50ms"));
        assert!(!bounded.contains("const permit_held_across"), "{bounded}");
    }

    /// The latency budget of `#[retry]`: every attempt must fit in an outer deadline (each cut at
    /// its own, the backoff at its shortest), and the last must be able to begin within `total`.
    #[test]
    fn the_attempts_of_a_retry_must_fit_in_its_deadlines() {
        let lints = |retry: proc_macro2::TokenStream, inner: &str| {
            let inner = (!inner.is_empty()).then(|| quote!(#[with_timeout(#inner)]));
            let out = expand(
                Kind::Retry,
                retry,
                quote!(#inner async fn f() -> Result<(), E> { Ok(()) }),
            );
            let text = out.to_string();
            [
                "deadline_shorter_than_retries",
                "total_shorter_than_retries",
            ]
            .into_iter()
            .filter(|name| text.contains(&format!("const {name}")))
            .collect::<Vec<_>>()
        };
        // With a deadline above `#[retry]`, the expansion starts at it.
        let above = |outer: &str, retry: proc_macro2::TokenStream, inner: &str| {
            let inner = (!inner.is_empty()).then(|| quote!(#[with_timeout(#inner)]));
            let out = expand(
                Kind::WithTimeout,
                quote!(#outer),
                quote!(#[retry(#retry)] #inner async fn f() -> Result<(), E> { Ok(()) }),
            );
            let text = out.to_string();
            [
                "deadline_shorter_than_retries",
                "total_shorter_than_retries",
            ]
            .into_iter()
            .filter(|name| text.contains(&format!("const {name}")))
            .collect::<Vec<_>>()
        };
        let none: Vec<&str> = Vec::new();
        let deadline = vec!["deadline_shorter_than_retries"];
        let total = vec!["total_shorter_than_retries"];
        // Jittered: 2 delays of at least 100ms (the default backoff) between 3 attempts.
        assert_eq!(above("201ms", quote!(), ""), none);
        assert_eq!(above("200ms", quote!(), ""), deadline);
        // Not jittered: exactly 100ms + 200ms + 400ms between 4 attempts.
        assert_eq!(
            above("701ms", quote!(attempts = 4, jitter = false), ""),
            none
        );
        assert_eq!(
            above("700ms", quote!(attempts = 4, jitter = false), ""),
            deadline
        );
        // Each of 3 attempts cut at 1s, and 200ms of backoff.
        assert_eq!(above("3201ms", quote!(), "1s"), none);
        assert_eq!(above("3200ms", quote!(), "1s"), deadline);
        // One attempt: nothing to fit.
        assert_eq!(above("1ns", quote!(attempts = 1), ""), none);
        // `total`: the last attempt must begin strictly within it.
        assert_eq!(lints(quote!(total = "201ms"), ""), none);
        assert_eq!(lints(quote!(total = "200ms"), ""), total);
        // ... after the attempts before it, each cut at its own deadline.
        assert_eq!(lints(quote!(total = "2201ms"), "1s"), none);
        assert_eq!(lints(quote!(total = "2200ms"), "1s"), total);
        assert_eq!(
            above("200ms", quote!(total = "100ms"), ""),
            [deadline[0], total[0]]
        );
    }
}
