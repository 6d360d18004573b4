//! Stack lints: orders and combinations that are almost always a mistake, written once per
//! capability (holds a permit, runs the body again, sets a deadline) rather than once per pair of
//! attributes. They are soft findings, emitted as warnings on stable Rust (the use of a deprecated
//! constant, spanned at the attribute).

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::duration::show;
use crate::generate::m;
use crate::stack::Stack;

/// One finding: where, a name for the warning (the constant's), and the message.
pub struct Finding {
    pub span: Span,
    pub name: String,
    pub message: String,
}

/// Every finding of the stack, in order.
pub fn check(stack: &Stack) -> Vec<Finding> {
    let mut findings = Vec::new();
    permit_held_across_reruns(stack, &mut findings);
    deadline_before_first_rerun(stack, &mut findings);
    findings
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
            name: format!("{holding}_above_{rerunning}"),
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
pub fn emit(stack: &Stack) -> TokenStream {
    check(stack)
        .into_iter()
        .map(|finding| {
            let note = format!("taskward: {}", finding.message);
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
