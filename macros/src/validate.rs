//! Checks of the function against the stack (each option was checked while parsing): what the
//! function must be for the attributes on it, by capability, then each attribute's own checks.

use crate::item::{AsyncFn, Output};
use crate::stack::Stack;

pub fn validate(stack: &Stack, func: &AsyncFn) -> syn::Result<()> {
    let first = &stack.layers[0];
    if func.boxed.is_some() {
        if stack.can_fail() && !matches!(func.output(), Output::Result(_)) {
            return Err(syn::Error::new(
                func.sig.ident.span(),
                "with #[async_trait] the trait fixes the signature, so a taskward attribute that can fail needs this method to return a `Result` whose error type implements `From<taskward::Error>`",
            ));
        }
    } else if func.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            func.sig.fn_token.span,
            format!(
                "#[{}] goes on an `async fn`: write `async fn {}`",
                first.name(),
                func.sig.ident
            ),
        ));
    }
    if let Some(constness) = &func.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "taskward attributes cannot go on a `const fn`",
        ));
    }
    if let Some(rerun) = stack
        .layers
        .iter()
        .find(|layer| layer.caps().reruns.is_some())
        && let Some(receiver) = func.sig.receiver()
        && matches!(receiver.kind, syn::ReceiverKind::Value)
    {
        return Err(syn::Error::new(
            receiver.self_token.span,
            format!(
                "#[{}] runs the body more than once, so it cannot take `self` by value; take `&self` or `&mut self`, or clone what the body needs into an argument",
                rerun.name()
            ),
        ));
    }
    for layer in &stack.layers {
        layer.opts.validate(layer.span, func)?;
    }
    Ok(())
}
