//! Every attribute and stack over a matrix of function shapes: the expansion is Rust (it parses
//! as a file), has no `compile_error!`, and names nothing that is not absolute. Whether it compiles
//! without a warning is `ui-tests/pass/lints.rs` (rustc, strictest lints) and `tests/shapes.rs`
//! (clippy pedantic), which take the same shapes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

/// The stacks: the invoked attribute and its arguments, and the attributes below it.
fn stacks() -> Vec<(Kind, TokenStream, TokenStream)> {
    vec![
        (Kind::Bounded, quote!(2), quote!()),
        (Kind::Bounded, quote!(in = POOL, wait = "10ms"), quote!()),
        (Kind::Bounded, quote!(in = &self_pool()), quote!()),
        (Kind::WithTimeout, quote!("1s"), quote!()),
        (
            Kind::WithTimeout,
            quote!(core::time::Duration::from_secs(1)),
            quote!(),
        ),
        (Kind::Supervised, quote!(), quote!()),
        (Kind::Graceful, quote!(cancel), quote!()),
        (
            Kind::Graceful,
            quote!(),
            quote!(#[supervised(restart = "always")]),
        ),
        (Kind::Supervised, quote!(), quote!(#[with_timeout("1s")])),
        (Kind::Graceful, quote!(), quote!(#[bounded(2)])),
        (Kind::Bounded, quote!(2), quote!(#[with_timeout("1s")])),
        (
            Kind::WithTimeout,
            quote!("10s"),
            quote!(#[supervised(backoff = "10ms..1s")] #[bounded(2, wait = "0s")] #[with_timeout("1s")]),
        ),
        // `#[retry]` needs an `Err`: a deadline per attempt gives every shape one.
        (Kind::Retry, quote!(), quote!(#[with_timeout("1s")])),
        (
            Kind::WithTimeout,
            quote!("10s"),
            quote!(#[retry(attempts = 4, on = Error::Timeout { .. }, when = transient, total = "5s", budget = 0.1)] #[bounded(2)] #[with_timeout("1s")]),
        ),
        (
            Kind::Graceful,
            quote!(),
            quote!(#[retry(jitter = false, budget = false)] #[with_timeout("1s")]),
        ),
        (Kind::RateLimited, quote!(10, per = "1s"), quote!()),
        (
            Kind::RateLimited,
            quote!(in = POOL, wait = "10ms"),
            quote!(#[supervised] #[with_timeout("1s")]),
        ),
        (Kind::RateLimited, quote!(in = &self_limit()), quote!()),
        (
            Kind::Graceful,
            quote!(),
            quote!(#[rate_limited(CALLS, per = "1m", burst = 1, wait = "0s")]),
        ),
        (Kind::CircuitBreaker, quote!(), quote!()),
        (
            Kind::CircuitBreaker,
            quote!(
                failures = 2,
                rate = 0.5,
                window = 10,
                reset = "1s",
                half_open = 2
            ),
            quote!(#[with_timeout("1s")]),
        ),
        (
            Kind::Supervised,
            quote!(),
            quote!(#[circuit_breaker(in = &self_breaker())]),
        ),
    ]
}

/// The shapes: free functions, receivers, generics, lifetimes, patterns, `impl Trait`, one-line
/// bodies, and a body and types as `macro_rules!` passes them (in invisible groups).
fn shapes() -> Vec<TokenStream> {
    let grouped_body = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!({ x + 1 }));
    let grouped_ty = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!(u32));
    vec![
        quote!(
            async fn f(x: u32) -> u32 {
                x + 1
            }
        ),
        quote!(
            async fn f() {}
        ),
        quote!(
            pub async fn f() -> Result<u8, E> {
                Ok(1)
            }
        ),
        quote!(
            async fn f(&self, k: &str) -> usize {
                self.n + k.len()
            }
        ),
        quote!(
            async fn f(&mut self) -> u32 {
                self.n += 1;
                self.n
            }
        ),
        quote!(
            async fn f(self: Arc<Self>) -> u32 {
                self.n
            }
        ),
        quote!(
            async fn f(self: Pin<&mut Self>) -> u32 {
                self.n
            }
        ),
        quote!(
            async fn f<'a, T: Clone + Send>(a: &'a str, t: T) -> &'a str
            where
                T: Sync,
            {
                a
            }
        ),
        quote!(
            async fn f((a, b): (u8, u8), [c, ..]: [u8; 2], mut v: Vec<u8>) -> u8 {
                v.push(c);
                a + b
            }
        ),
        quote!(
            async fn f(x: impl Display + Clone) -> Result<impl Display, E> {
                Ok(x)
            }
        ),
        quote!(
            async fn f(mut s: &[u8], (a, b): &mut (u8, u8), #[cfg(any())] gone: u8) -> usize {
                s = &s[1..];
                *a += *b;
                s.len()
            }
        ),
        quote!(
            async fn f() -> u32 {
                1
            }
        ),
        quote!(async fn f(x: #grouped_ty) -> #grouped_ty #grouped_body),
        quote!(
            async fn f() -> FetchResult<u8> {
                Ok(1)
            }
        ),
        quote!(
            async fn f() -> Answer {
                Answer
            }
        ),
        quote!(
            async fn f(&self) -> Result<String, E> {
                Ok(format!("{self:?}"))
            }
        ),
    ]
}

#[test]
fn every_stack_over_every_shape_expands_to_rust() {
    let mut expanded = 0;
    for (kind, args, below) in stacks() {
        for shape in shapes() {
            let item = quote!(#below #shape);
            let out = expand(kind, args.clone(), item.clone());
            let text = out.to_string();
            assert!(
                !text.contains("compile_error"),
                "#[{}({args})] on `{item}`: {text}",
                kind.name()
            );
            let file: syn::File = syn::parse2(out)
                .unwrap_or_else(|err| panic!("#[{}({args})] on `{item}`: {err}", kind.name()));
            assert_eq!(file.items.len(), 1, "one function out");
            // Every path we add is absolute: no `taskward::` that is not `::taskward::`.
            assert!(
                !text.replace(":: taskward ::", "").contains("taskward ::"),
                "{text}"
            );
            expanded += 1;
        }
    }
    assert_eq!(expanded, stacks().len() * shapes().len());
}
