//! Expansion snapshots of `#[rate_limited]` (`UPDATE_EXPECT=1 cargo test -p taskward-macros`
//! rewrites them), and its policy lines.

use expect_test::{Expect, ExpectFile, expect, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(Kind::RateLimited, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(args: TokenStream, item: TokenStream, expected: &Expect) {
    expected.assert_eq(&pretty(args, item));
}

/// A snapshot that the docs show.
fn check_file(args: TokenStream, item: TokenStream, expected: &ExpectFile) {
    // A complete Markdown block, which the docs include as it is.
    expected.assert_eq(&format!("```text\n{}```\n", pretty(args, item)));
}

#[test]
fn a_rate_of_its_own_keeps_the_signature() {
    check_file(
        quote!(10, per = "1s"),
        quote! {
            async fn fetch(url: &str) -> usize { url.len() }
        },
        &expect_file!["../../../../src/docs/expand/rate_limited.md"],
    );
}

#[test]
fn a_shared_limit_with_wait_adds_the_failure_and_holds_a_word() {
    check(
        quote!(in = PARTNER, wait = "100ms"),
        quote! {
            async fn quote(item: u32) -> std::io::Result<u32> {
                ask(item).await
            }
        },
        &expect![[r#"
            async fn quote(item: u32) -> std::io::Result<u32> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "quote"),
                );
                static __TASKWARD_SHARED_RATE_LIMIT_0: &::taskward::RateLimit = &PARTNER;
                match {
                    match ::taskward::__private::rate_limited::acquire_within(
                            __TASKWARD_SHARED_RATE_LIMIT_0,
                            &__TASKWARD_META,
                            ::core::time::Duration::new(0u64, 100000000u32),
                        )
                        .await
                    {
                        ::taskward::__private::Ok(()) => {
                            ::taskward::__private::Ok(
                                async move {
                                    #[allow(
                                        unknown_lints,
                                        unreachable_code,
                                        clippy::diverging_sub_expression,
                                        clippy::empty_loop,
                                        clippy::let_unit_value,
                                        clippy::let_with_type_underscore,
                                        clippy::needless_return,
                                        clippy::unreachable
                                    )]
                                    if false {
                                        let __taskward_never: std::io::Result<u32> = loop {};
                                        return __taskward_never;
                                    }
                                    { ask(item).await }
                                }
                                    .await,
                            )
                        }
                        ::taskward::__private::Err(__taskward_rejected) => {
                            ::taskward::__private::Err(
                                ::taskward::__private::rate_limited::rejected(
                                    __TASKWARD_SHARED_RATE_LIMIT_0,
                                    &__TASKWARD_META,
                                    ::core::time::Duration::new(0u64, 100000000u32),
                                    __taskward_rejected,
                                ),
                            )
                        }
                    }
                } {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<std::io::Result<u32>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn a_limit_per_instance_and_a_burst_under_a_deadline() {
    check(
        quote!(in = &self.limit),
        quote! {
            #[with_timeout("2s")]
            async fn send(&mut self, message: String) -> usize {
                self.out.push(message);
                self.out.len()
            }
        },
        &expect![[r#"
            async fn send(
                &mut self,
                message: String,
            ) -> ::core::result::Result<usize, ::taskward::Error> {
                #[allow(unused_imports)]
                use with_timeout as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "send"),
                );
                let __taskward_rate_limit_0 = ::taskward::__private::rate_limited::handle(
                    &self.limit,
                );
                let __taskward_rate_limit_0: &::taskward::RateLimit = &*__taskward_rate_limit_0;
                {
                    ::taskward::__private::rate_limited::acquire(
                            __taskward_rate_limit_0,
                            &__TASKWARD_META,
                        )
                        .await;
                    ::taskward::__private::with_timeout::timeout(
                            &__TASKWARD_META,
                            ::core::time::Duration::new(2u64, 0u32),
                            async move {
                                #[allow(
                                    unknown_lints,
                                    unreachable_code,
                                    clippy::diverging_sub_expression,
                                    clippy::empty_loop,
                                    clippy::let_unit_value,
                                    clippy::let_with_type_underscore,
                                    clippy::needless_return,
                                    clippy::unreachable
                                )]
                                if false {
                                    let __taskward_never: usize = loop {};
                                    return __taskward_never;
                                }
                                {
                                    self.out.push(message);
                                    self.out.len()
                                }
                            },
                        )
                        .await
                }
            }
        "#]],
    );
    check(
        quote!(CALLS, per = "1m", burst = 1),
        quote! {
            async fn tick() {}
        },
        &expect![[r#"
            async fn tick() {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "tick"),
                );
                static __TASKWARD_RATE_LIMIT_0: ::taskward::RateLimit = ::taskward::RateLimit::new(
                        ::taskward::__private::rate_limited::calls(
                            ::taskward::__private::rate_limited::unsigned(CALLS) as u128,
                        ),
                        ::core::time::Duration::new(60u64, 0u32),
                    )
                    .with_burst(1u32);
                {
                    ::taskward::__private::rate_limited::acquire(
                            &__TASKWARD_RATE_LIMIT_0,
                            &__TASKWARD_META,
                        )
                        .await;
                    async move { {} }.await
                }
            }
        "#]],
    );
}

/// The line of the `# Concurrency policy` section.
fn policy(args: TokenStream) -> String {
    let out = expand(
        Kind::RateLimited,
        args,
        quote!(
            #[doc = "f"]
            async fn f() {}
        ),
    )
    .to_string();
    let start = out.find("- **rate_limited**").expect("a policy line");
    let end = out[start..].find('"').map_or(out.len(), |end| start + end);
    out[start..end].to_owned()
}

#[test]
fn the_policy_says_the_rate_the_burst_and_the_wait() {
    assert_eq!(
        policy(quote!(10, per = "1s")),
        "- **rate_limited**: at most 10 calls start per 1s (one every 100ms, up to 10 back to back); a call waits for its slot as long as it takes."
    );
    assert_eq!(
        policy(quote!(3, per = "1s", burst = 1, wait = "0s")),
        "- **rate_limited**: at most 3 calls start per 1s (one every 333ms 333us 334ns, evenly spaced); a call fails with `Error::Rejected` at once unless a slot is free."
    );
    assert_eq!(
        policy(quote!(in = PARTNER, wait = "250ms")),
        "- **rate_limited**: takes its slots from `PARTNER`; a call whose slot is more than 250ms away fails at once with `Error::Rejected`."
    );
}
