//! Stack lints: orders and combinations that are almost always a mistake, written once per
//! capability (holds a permit, runs the body again, sets a deadline) rather than once per pair of
//! attributes. They are soft findings, emitted as warnings on stable Rust: the use of a deprecated
//! constant named after the lint, spanned at the attribute, whose note says what is wrong and how
//! to acknowledge it. `allow(name)` on any attribute of the stack acknowledges one.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::duration::show;
use crate::generate::m;
use crate::item::AsyncFn;
use crate::stack::Stack;

/// The names of the stack lints, for `allow(...)`.
pub const NAMES: &[&str] = &[
    "permit_held_across_restarts",
    "deadline_before_first_restart",
    "span_per_restart",
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
    span_per_rerun(stack, func, &mut findings);
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
    let rerunning = stack.layers[rerun_at].name();
    for holder in stack.layers[..rerun_at]
        .iter()
        .filter(|layer| layer.caps().holds_permit)
    {
        let holding = holder.name();
        findings.push(Finding {
            span: holder.span,
            attribute: holding,
            name: format!("permit_held_across_{}s", rerun.noun),
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
        let stack = |allow: proc_macro2::TokenStream| {
            expand(
                Kind::WithTimeout,
                quote!("1ms" #allow),
                quote! {
                    #[bounded(1)]
                    #[supervised]
                    // As `#[tracing::instrument]` above leaves the body.
                    async fn f() -> Result<(), E> { let __tracing_attr_span = (); Ok(()) }
                },
            )
            .to_string()
        };
        let all = stack(quote!());
        for name in NAMES {
            assert!(all.contains(&format!("const {name}")), "{name}: {all}");
        }
        let one = stack(quote!(, allow(deadline_before_first_restart)));
        assert!(one.contains("const permit_held_across_restarts"));
        assert!(!one.contains("const deadline_before_first_restart"));
    }
}
