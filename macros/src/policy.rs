//! The `# Concurrency policy` section of a documented function's rustdoc: one line per attribute
//! (written by each attribute's module), outermost first, so that docs.rs shows the resolved
//! policy. An undocumented function gains nothing (that would hide it from `missing_docs`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::stack::Stack;

pub fn docs(stack: &Stack, attrs: &[syn::Attribute]) -> TokenStream {
    if !attrs.iter().any(|attr| attr.path().is_ident("doc")) {
        return TokenStream::new();
    }
    let mut lines = vec![
        String::new(),
        "# Concurrency policy".to_owned(),
        String::new(),
        "Set by taskward attributes, outermost first:".to_owned(),
        String::new(),
    ];
    lines.extend(stack.layers.iter().map(|layer| layer.opts.policy()));
    let lines = lines.iter().map(|line| format!(" {line}"));
    quote! { #(#[doc = #lines])* }
}
