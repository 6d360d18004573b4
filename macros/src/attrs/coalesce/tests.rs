//! `#[coalesce]`: its expansion (`UPDATE_EXPECT=1 cargo test -p taskward-macros` rewrites the
//! snapshots).

use expect_test::expect_file;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(kind: Kind, args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(kind, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn coalesce_alone_joins_the_flight_of_the_arguments() {
    // The docs show it.
    let expanded = pretty(
        Kind::Coalesce,
        TokenStream::new(),
        quote! {
            pub async fn profile(user: u64, fields: String) -> Result<Profile, ApiError> {
                fetch(user, &fields).await
            }
        },
    );
    expect_file!["../../../../src/docs/expand/coalesce.md"]
        .assert_eq(&format!("```text\n{expanded}```\n"));
}

#[test]
fn coalesce_with_a_key_over_retry() {
    let expanded = pretty(
        Kind::Coalesce,
        quote!(key = user.id),
        quote! {
            #[retry(attempts = 2, backoff = "10ms..20ms")]
            async fn load(user: User) -> Result<u64, ApiError> {
                fetch(user.id).await
            }
        },
    );
    expect_test::expect![[r#"
        async fn load(user: User) -> Result<u64, ApiError> {
            #[allow(unused_imports)]
            use retry as _;
            static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                ::core::concat!(::core::module_path!(), "::", "load"),
            );
            static __TASKWARD_FLIGHTS_0: ::taskward::__private::coalesce::Registry = ::taskward::__private::coalesce::Registry::new();
            let __taskward_key_0 = user.id;
            static __TASKWARD_RETRY_BUDGET_1: ::taskward::__private::retry::RetryBudget = ::taskward::__private::retry::RetryBudget::new(
                200000u64,
            );
            static __TASKWARD_RETRY_1: ::taskward::__private::retry::RetryPolicy = ::taskward::__private::retry::RetryPolicy {
                attempts: 2u32,
                backoff_min: ::core::time::Duration::new(0u64, 10000000u32),
                backoff_max: ::core::time::Duration::new(0u64, 20000000u32),
                jitter: true,
                total: ::core::option::Option::None,
                budget: ::core::option::Option::Some(&__TASKWARD_RETRY_BUDGET_1),
            };
            match ::taskward::__private::coalesce::join(
                    &__TASKWARD_FLIGHTS_0,
                    &__TASKWARD_META,
                    __taskward_key_0,
                    move || async move {
                        let mut __taskward_retry = ::taskward::__private::retry::Retry::new(
                            &__TASKWARD_META,
                            &__TASKWARD_RETRY_1,
                            ::core::option::Option::None,
                        );
                        loop {
                            let user = ::taskward::__private::rerun_arg(&user);
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
                                        let __taskward_never: Result<u64, ApiError> = loop {};
                                        return __taskward_never;
                                    }
                                    { fetch(user.id).await }
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
                    },
                )
                .await
            {
                ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                ::taskward::__private::Err(__taskward_error) => {
                    ::taskward::__private::fail::<Result<u64, ApiError>>(__taskward_error)
                }
            }
        }
    "#]].assert_eq(&expanded);
}
