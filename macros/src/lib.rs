//! Procedural macros of [taskward](https://docs.rs/taskward). Depend on `taskward`, which
//! re-exports them with their documentation; this crate's API is the attributes only.
//!
//! Each entry point converts its tokens and calls `expand::expand`, a pure function from tokens
//! to tokens: parse (`attr`, `item`), collect the stack (`stack`), validate and generate
//! (`expand`), or fall back (`fallback`) to the user's item with the error.
#![forbid(unsafe_code)]

mod attr;
mod expand;
mod fallback;
mod item;
mod stack;

use proc_macro::TokenStream;

use attr::Kind;

#[proc_macro_attribute]
pub fn bounded(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Bounded, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn with_timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::WithTimeout, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn supervised(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Supervised, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn graceful(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Graceful, args.into(), item.into()).into()
}
