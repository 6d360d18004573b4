//! Procedural macros of [taskward](https://docs.rs/taskward). Depend on `taskward`, which
//! re-exports them with their documentation; this crate's API is the attributes only.
//!
//! Each entry point converts its tokens and calls `pipeline::expand`, a pure function from
//! tokens to tokens. The pipeline runs by stage: parse the function (`item`) and the arguments
//! (`options`, `duration`), collect the stack (`stack`), validate (`validate`), lint the stack
//! (`lints`), check the body for async pitfalls (`check`), generate (`generate`, `policy`, `rerun`), or fall back (`fallback`) to the user's item
//! with the error. Each attribute is one module under `attrs`, which the stages dispatch to.
#![forbid(unsafe_code)]

mod attrs;
mod check;
mod duration;
mod fallback;
mod fallback_fn;
mod generate;
mod hooks;
mod item;
mod krate;
mod lints;
mod options;
mod pipeline;
mod policy;
mod rerun;
mod shared;
mod stack;
mod validate;

use proc_macro::TokenStream;

use attrs::Kind;

#[proc_macro_attribute]
pub fn bounded(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Bounded, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn with_timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::WithTimeout, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn supervised(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Supervised, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn graceful(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Graceful, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn blocking(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Blocking, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Retry, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn rate_limited(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::RateLimited, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn circuit_breaker(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::CircuitBreaker, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn hedged(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Hedged, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn coalesce(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Coalesce, args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn check(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Check, args.into(), item.into()).into()
}
