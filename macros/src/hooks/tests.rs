//! The expansions with the hooks of `fault-injection` and `metrics` (`UPDATE_EXPECT=1 cargo test
//! -p taskward-macros` rewrites them). The snapshots of `generate/tests.rs` and of the attributes
//! are the expansions without them: token for token what a build without the features emits.

use expect_test::{Expect, expect};
use proc_macro2::TokenStream;
use quote::quote;

use super::force::with_hooks;
use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(kind: Kind, args: TokenStream, item: TokenStream, expected: &Expect) {
    expected.assert_eq(&pretty(with_hooks(|| expand(kind, args, item))));
}

#[test]
fn the_hooks_are_off_unless_asked_for() {
    let item = quote! { async fn fetch() -> Result<u32, Error> { Ok(1) } };
    let without = expand(Kind::Retry, quote!(attempts = 3), item.clone()).to_string();
    assert!(!without.contains("faults") && !without.contains("metrics"));
    let with = with_hooks(|| expand(Kind::Retry, quote!(attempts = 3), item)).to_string();
    assert!(with.contains("faults") && with.contains("metrics"));
}

#[test]
fn a_result_returns_the_injected_failure_from_each_run() {
    check(
        Kind::Retry,
        quote!(attempts = 3),
        quote! {
            async fn fetch(id: u64) -> Result<u32, Error> { Ok(1) }
        },
        &expect![[r#"
            async fn fetch(id: u64) -> Result<u32, Error> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "fetch"),
                );
                ::taskward::__private::metrics::call(&__TASKWARD_META);
                static __TASKWARD_RETRY_BUDGET_0: ::taskward::__private::retry::RetryBudget = ::taskward::__private::retry::RetryBudget::new(
                    200000u64,
                );
                static __TASKWARD_RETRY_0: ::taskward::__private::retry::RetryPolicy = ::taskward::__private::retry::RetryPolicy {
                    attempts: 3u32,
                    backoff_min: ::core::time::Duration::new(0u64, 100000000u32),
                    backoff_max: ::core::time::Duration::new(5u64, 0u32),
                    jitter: true,
                    total: ::core::option::Option::None,
                    budget: ::core::option::Option::Some(&__TASKWARD_RETRY_BUDGET_0),
                };
                {
                    let mut __taskward_retry = ::taskward::__private::retry::Retry::new(
                        &__TASKWARD_META,
                        &__TASKWARD_RETRY_0,
                        ::core::option::Option::None,
                    );
                    loop {
                        let id = ::taskward::__private::rerun_arg(&id);
                        let __taskward_delay = {
                            let __taskward_attempt = async move {
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
                                    let __taskward_never: Result<u32, Error> = loop {};
                                    return __taskward_never;
                                }
                                if let ::core::option::Option::Some(__taskward_injected) = ::taskward::__private::faults::before(
                                        &__TASKWARD_META,
                                    )
                                    .await
                                {
                                    #[allow(unused_imports)]
                                    use ::taskward::__private::faults::{
                                        InjectFail as _, InjectPanic as _,
                                    };
                                    return (&::taskward::__private::faults::Inject::<
                                        Result<u32, Error>,
                                    >::new())
                                        .__taskward_injected(__taskward_injected);
                                }
                                { Ok(1) }
                            }
                                .await;
                            let ::core::option::Option::Some(__taskward_error) = ::taskward::__private::retry::failure(
                                &__taskward_attempt,
                            ) else {
                                break __taskward_attempt;
                            };
                            let __taskward_next = __taskward_retry
                                .next_delay(
                                    &{
                                        #[allow(unused_imports)]
                                        use ::taskward::__private::{
                                            DescribeDebug as _, DescribeDisplay as _, DescribeOther as _,
                                        };
                                        (&&&::taskward::__private::Describe(&*__taskward_error))
                                            .__taskward_describe()
                                    },
                                );
                            let ::core::option::Option::Some(__taskward_delay) = __taskward_next
                            else {
                                break __taskward_attempt;
                            };
                            __taskward_delay
                        };
                        __taskward_retry.backoff(__taskward_delay).await;
                    }
                }
            }
        "#]],
    );
}

#[test]
fn a_plain_output_only_panics_or_waits() {
    check(
        Kind::Bounded,
        quote!(8),
        quote! {
            async fn fetch(url: &str) -> usize { url.len() }
        },
        &expect![[r#"
            async fn fetch(url: &str) -> usize {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "fetch"),
                );
                ::taskward::__private::metrics::call(&__TASKWARD_META);
                static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
                    8usize,
                );
                {
                    let __taskward_permit = ::taskward::__private::bounded::acquire(
                            &__TASKWARD_BULKHEAD_0,
                            &__TASKWARD_META,
                        )
                        .await;
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
                        ::taskward::__private::faults::before_infallible(&__TASKWARD_META).await;
                        { url.len() }
                    }
                        .await
                }
            }
        "#]],
    );
}

#[test]
fn a_blocking_body_has_the_hook_in_its_closure() {
    check(
        Kind::Blocking,
        quote!(),
        quote! {
            fn parse(text: String) -> Result<u16, Error> { Ok(text.len() as u16) }
        },
        &expect![[r#"
            async fn parse(text: String) -> Result<u16, Error> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "parse"),
                );
                ::taskward::__private::metrics::call(&__TASKWARD_META);
                ::taskward::__private::blocking::arg::<String>();
                match ::taskward::__private::blocking::run::<
                    Result<u16, Error>,
                    _,
                >(
                        &__TASKWARD_META,
                        move || {
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
                                let __taskward_never: Result<u16, Error> = loop {};
                                return __taskward_never;
                            }
                            if let ::core::option::Option::Some(__taskward_injected) = ::taskward::__private::faults::before_blocking(
                                &__TASKWARD_META,
                            ) {
                                #[allow(unused_imports)]
                                use ::taskward::__private::faults::{
                                    InjectFail as _, InjectPanic as _,
                                };
                                return (&::taskward::__private::faults::Inject::<
                                    Result<u16, Error>,
                                >::new())
                                    .__taskward_injected(__taskward_injected);
                            }
                            { Ok(text.len() as u16) }
                        },
                    )
                    .await
                {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<Result<u16, Error>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}
