//! Expansion snapshots: what we generate, pretty-printed (`UPDATE_EXPECT=1 cargo test -p
//! taskward-macros` rewrites them). Spans are not visible here; the UI tests cover them.

use expect_test::{Expect, expect};
use proc_macro2::TokenStream;
use quote::quote;

use super::expand;
use crate::attr::Kind;

fn check(kind: Kind, args: TokenStream, item: TokenStream, expected: &Expect) {
    let tokens = expand(kind, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    expected.assert_eq(&prettyplease::unparse(&file));
}

#[test]
fn bounded_alone_keeps_the_signature() {
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
                static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
                    8usize,
                );
                {
                    let __taskward_permit = ::taskward::__private::acquire(
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
                        { url.len() }
                    }
                        .await
                }
            }
        "#]],
    );
}

#[test]
fn with_timeout_turns_a_plain_return_into_a_result() {
    check(
        Kind::WithTimeout,
        quote!("250ms"),
        quote! {
            pub async fn answer() -> u32 { 42 }
        },
        &expect![[r#"
            pub async fn answer() -> ::core::result::Result<u32, ::taskward::Error> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "answer"),
                );
                ::taskward::__private::timeout(
                        &__TASKWARD_META,
                        ::core::time::Duration::new(0u64, 250000000u32),
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
                                let __taskward_never: u32 = loop {};
                                return __taskward_never;
                            }
                            { 42 }
                        },
                    )
                    .await
            }
        "#]],
    );
}

#[test]
fn bounded_with_timeout_on_a_method() {
    check(
        Kind::Bounded,
        quote!(8),
        quote! {
            #[with_timeout("2s")]
            async fn fetch(&self, url: &str) -> Result<Bytes, FetchError> {
                self.client.get(url).await
            }
        },
        &expect![[r#"
            async fn fetch(&self, url: &str) -> Result<Bytes, FetchError> {
                #[allow(unused_imports)]
                use with_timeout as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "fetch"),
                );
                static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
                    8usize,
                );
                match {
                    let __taskward_permit = ::taskward::__private::acquire(
                            &__TASKWARD_BULKHEAD_0,
                            &__TASKWARD_META,
                        )
                        .await;
                    ::taskward::__private::timeout(
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
                                    let __taskward_never: Result<Bytes, FetchError> = loop {};
                                    return __taskward_never;
                                }
                                { self.client.get(url).await }
                            },
                        )
                        .await
                } {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<Result<Bytes, FetchError>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn bounded_with_wait_in_a_shared_bulkhead() {
    check(
        Kind::Bounded,
        quote!(in = DATABASE, wait = "100ms"),
        quote! {
            async fn query(sql: String) -> std::io::Result<Rows> {
                run(sql).await
            }
        },
        &expect![[r#"
            async fn query(sql: String) -> std::io::Result<Rows> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "query"),
                );
                match {
                    match ::taskward::__private::acquire_within(
                            &DATABASE,
                            &__TASKWARD_META,
                            ::core::time::Duration::new(0u64, 100000000u32),
                        )
                        .await
                    {
                        ::taskward::__private::Ok(__taskward_permit) => {
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
                                        let __taskward_never: std::io::Result<Rows> = loop {};
                                        return __taskward_never;
                                    }
                                    { run(sql).await }
                                }
                                    .await,
                            )
                        }
                        ::taskward::__private::Err(__taskward_error) => {
                            ::taskward::__private::Err(__taskward_error)
                        }
                    }
                } {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<std::io::Result<Rows>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn graceful_supervised_on_a_method() {
    check(
        Kind::Graceful,
        TokenStream::new(),
        quote! {
            #[supervised(restarts = 3, within = "10s")]
            async fn consume(&self, queue: Queue) -> Result<(), WorkerError> {
                self.process(queue.next().await?).await
            }
        },
        &expect![[r#"
            async fn consume(&self, queue: Queue) -> Result<(), WorkerError> {
                #[allow(unused_imports)]
                use supervised as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "consume"),
                );
                static __TASKWARD_POLICY_1: ::taskward::__private::SupervisePolicy = ::taskward::__private::SupervisePolicy {
                    restarts: 3u32,
                    within: ::core::time::Duration::new(10u64, 0u32),
                    backoff_min: ::core::time::Duration::new(0u64, 100000000u32),
                    backoff_max: ::core::time::Duration::new(10u64, 0u32),
                    jitter: true,
                    always: false,
                };
                match {
                    ::taskward::__private::flatten(
                        ::taskward::__private::graceful(
                                ::taskward::__private::global_shutdown(),
                                &__TASKWARD_META,
                                false,
                                async move {
                                    let mut __taskward_supervisor = ::taskward::__private::Supervisor::new(
                                        &__TASKWARD_META,
                                        &__TASKWARD_POLICY_1,
                                        ::taskward::__private::global_shutdown(),
                                    );
                                    loop {
                                        let queue = ::taskward::__private::rerun_arg(&queue);
                                        match __taskward_supervisor
                                            .run(async {
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
                                                    let __taskward_never: Result<(), WorkerError> = loop {};
                                                    return __taskward_never;
                                                }
                                                { self.process(queue.next().await?).await }
                                            })
                                            .await
                                        {
                                            ::taskward::__private::Ok(
                                                ::taskward::__private::Ok(__taskward_value),
                                            ) => {
                                                if __taskward_supervisor.restart_after_ok().await {
                                                    continue;
                                                }
                                                break ::taskward::__private::Ok(
                                                    ::taskward::__private::Ok(__taskward_value),
                                                );
                                            }
                                            ::taskward::__private::Ok(
                                                ::taskward::__private::Err(__taskward_error),
                                            ) => {
                                                let __taskward_restart = __taskward_supervisor
                                                    .restart_after_error(
                                                        &{
                                                            #[allow(unused_imports)]
                                                            use ::taskward::__private::{
                                                                DescribeDebug as _, DescribeDisplay as _, DescribeOther as _,
                                                            };
                                                            (&&&::taskward::__private::Describe(&__taskward_error))
                                                                .__taskward_describe()
                                                        },
                                                    );
                                                if __taskward_restart.await {
                                                    continue;
                                                }
                                                break ::taskward::__private::Ok(
                                                    ::taskward::__private::Err(__taskward_error),
                                                );
                                            }
                                            ::taskward::__private::Err(__taskward_panic) => {
                                                if __taskward_supervisor
                                                    .restart_after_panic(&__taskward_panic)
                                                    .await
                                                {
                                                    continue;
                                                }
                                                break ::taskward::__private::Err(
                                                    __taskward_panic.into_error(),
                                                );
                                            }
                                        }
                                    }
                                },
                            )
                            .await,
                    )
                } {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<Result<(), WorkerError>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn a_mistake_emits_the_function_unchanged_with_the_error() {
    check(
        Kind::Bounded,
        quote!(0),
        quote! {
            #[with_timeout("1s")]
            async fn f() {}
        },
        &expect![[r##"
            ::core::compile_error! {
                "#[bounded(0)] would never let a call run; the limit must be at least 1"
            }
            async fn f() {}
        "##]],
    );
}
