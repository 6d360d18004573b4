//! Expansion snapshots: what we generate, pretty-printed (`UPDATE_EXPECT=1 cargo test -p
//! taskward-macros` rewrites them). Spans are not visible here; the UI tests cover them.
//!
//! The snapshots kept in `src/docs/expand/` of the facade are shown in the attributes' docs, so
//! the documented expansions are the real ones.

use expect_test::{Expect, ExpectFile, expect, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(kind: Kind, args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(kind, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(kind: Kind, args: TokenStream, item: TokenStream, expected: &Expect) {
    expected.assert_eq(&pretty(kind, args, item));
}

/// A snapshot that the docs show.
fn check_file(kind: Kind, args: TokenStream, item: TokenStream, expected: &ExpectFile) {
    // A complete Markdown block, which the docs include as it is.
    expected.assert_eq(&format!("```text\n{}```\n", pretty(kind, args, item)));
}

#[test]
fn bounded_alone_keeps_the_signature() {
    check_file(
        Kind::Bounded,
        quote!(8),
        quote! {
            async fn fetch(url: &str) -> usize { url.len() }
        },
        &expect_file!["../../../src/docs/expand/bounded.md"],
    );
}

#[test]
fn with_timeout_turns_a_plain_return_into_a_result() {
    check_file(
        Kind::WithTimeout,
        quote!("250ms"),
        quote! {
            pub async fn answer() -> u32 { 42 }
        },
        &expect_file!["../../../src/docs/expand/with_timeout.md"],
    );
}

#[test]
fn bounded_with_timeout_on_a_method() {
    check_file(
        Kind::Bounded,
        quote!(8),
        quote! {
            #[with_timeout("2s")]
            async fn fetch(&self, url: &str) -> Result<Bytes, FetchError> {
                self.client.get(url).await
            }
        },
        &expect_file!["../../../src/docs/expand/bounded_with_timeout.md"],
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
                static __TASKWARD_SHARED_0: &::taskward::Bulkhead = &DATABASE;
                match {
                    match ::taskward::__private::bounded::acquire_within(
                            __TASKWARD_SHARED_0,
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
    check_file(
        Kind::Graceful,
        TokenStream::new(),
        quote! {
            #[supervised(restarts = 3, within = "10s")]
            async fn consume(&self, queue: Queue) -> Result<(), WorkerError> {
                self.process(queue.next().await?).await
            }
        },
        &expect_file!["../../../src/docs/expand/graceful_supervised.md"],
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

#[test]
fn a_documented_function_states_its_policy() {
    check(
        Kind::Graceful,
        quote!(cancel),
        quote! {
            /// Streams prices.
            #[supervised(restart = "always", backoff = "1s..1m", jitter = false)]
            #[bounded(4, wait = "250ms")]
            #[with_timeout("1m 30s")]
            async fn stream() {}
        },
        &expect![[r#"
            /// Streams prices.
            ///
            /// # Concurrency policy
            ///
            /// Set by taskward attributes, outermost first:
            ///
            /// - **graceful**: tracked by `Shutdown::global()`; refused with `Error::ShuttingDown` once shutdown begins, and cancelled as soon as it begins.
            /// - **supervised**: restarted after every run (`restart = "always"`) with a backoff of 1s to 1m, at most 5 restarts within 1m.
            /// - **bounded**: at most 4 calls at once; a call fails with `Error::Rejected` after waiting 250ms for a permit.
            /// - **with_timeout**: cancelled with `Error::Timeout` after 1m 30s.
            async fn stream() -> ::core::result::Result<(), ::taskward::Error> {
                #[allow(unused_imports)]
                use supervised as _;
                #[allow(unused_imports)]
                use bounded as _;
                #[allow(unused_imports)]
                use with_timeout as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "stream"),
                );
                static __TASKWARD_POLICY_1: ::taskward::__private::supervised::SupervisePolicy = ::taskward::__private::supervised::SupervisePolicy {
                    restarts: 5u32,
                    within: ::core::time::Duration::new(60u64, 0u32),
                    backoff_min: ::core::time::Duration::new(1u64, 0u32),
                    backoff_max: ::core::time::Duration::new(60u64, 0u32),
                    jitter: false,
                    always: true,
                };
                static __TASKWARD_BULKHEAD_2: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
                    4usize,
                );
                {
                    ::taskward::__private::flatten(
                        ::taskward::__private::graceful::graceful(
                                ::taskward::Shutdown::global(),
                                &__TASKWARD_META,
                                true,
                                async move {
                                    let mut __taskward_supervisor = ::taskward::__private::supervised::Supervisor::new(
                                        &__TASKWARD_META,
                                        &__TASKWARD_POLICY_1,
                                        ::taskward::Shutdown::global(),
                                    );
                                    loop {
                                        match __taskward_supervisor
                                            .run(async move {
                                                match ::taskward::__private::bounded::acquire_within(
                                                        &__TASKWARD_BULKHEAD_2,
                                                        &__TASKWARD_META,
                                                        ::core::time::Duration::new(0u64, 250000000u32),
                                                    )
                                                    .await
                                                {
                                                    ::taskward::__private::Ok(__taskward_permit) => {
                                                        ::taskward::__private::with_timeout::timeout(
                                                                &__TASKWARD_META,
                                                                ::core::time::Duration::new(90u64, 0u32),
                                                                async move { {} },
                                                            )
                                                            .await
                                                    }
                                                    ::taskward::__private::Err(__taskward_error) => {
                                                        ::taskward::__private::Err(__taskward_error)
                                                    }
                                                }
                                            })
                                            .await
                                        {
                                            ::taskward::__private::Ok(
                                                ::taskward::__private::Ok(__taskward_value),
                                            ) => {
                                                if __taskward_supervisor.restart_after_ok().await {
                                                    continue;
                                                }
                                                break ::taskward::__private::Ok(__taskward_value);
                                            }
                                            ::taskward::__private::Ok(
                                                ::taskward::__private::Err(__taskward_error),
                                            ) => {
                                                let __taskward_restart = __taskward_supervisor
                                                    .restart_after_error(&__taskward_error);
                                                if __taskward_restart.await {
                                                    continue;
                                                }
                                                break ::taskward::__private::Err(__taskward_error);
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
                }
            }
        "#]],
    );
}

#[test]
fn graceful_with_its_own_coordinator_on_a_mut_method() {
    check(
        Kind::Graceful,
        quote!(cancel, in = &self.shutdown),
        quote! {
            async fn stream(&mut self, topic: &str) -> u64 {
                self.sent += 1;
                self.sent
            }
        },
        &expect![[r#"
            async fn stream(
                &mut self,
                topic: &str,
            ) -> ::core::result::Result<u64, ::taskward::Error> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "stream"),
                );
                let __taskward_shutdown: &::taskward::Shutdown = &self.shutdown;
                let __taskward_shutdown: ::taskward::Shutdown = ::core::clone::Clone::clone(
                    __taskward_shutdown,
                );
                let __taskward_shutdown = &__taskward_shutdown;
                ::taskward::__private::graceful::graceful(
                        __taskward_shutdown,
                        &__TASKWARD_META,
                        true,
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
                                let __taskward_never: u64 = loop {};
                                return __taskward_never;
                            }
                            {
                                self.sent += 1;
                                self.sent
                            }
                        },
                    )
                    .await
            }
        "#]],
    );
}

#[test]
fn supervised_with_a_deadline_per_run() {
    check(
        Kind::Supervised,
        quote!(restart = "always", backoff = "1s..30s", jitter = false),
        quote! {
            #[with_timeout("5s")]
            async fn poll_feed(mut cursor: Cursor, client: &mut Client) {
                cursor.advance(client.fetch().await);
            }
        },
        &expect![[r#"
            async fn poll_feed(
                cursor: Cursor,
                client: &mut Client,
            ) -> ::core::result::Result<(), ::taskward::Error> {
                #[allow(unused_imports)]
                use with_timeout as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "poll_feed"),
                );
                static __TASKWARD_POLICY_0: ::taskward::__private::supervised::SupervisePolicy = ::taskward::__private::supervised::SupervisePolicy {
                    restarts: 5u32,
                    within: ::core::time::Duration::new(60u64, 0u32),
                    backoff_min: ::core::time::Duration::new(1u64, 0u32),
                    backoff_max: ::core::time::Duration::new(30u64, 0u32),
                    jitter: false,
                    always: true,
                };
                {
                    let mut __taskward_supervisor = ::taskward::__private::supervised::Supervisor::new(
                        &__TASKWARD_META,
                        &__TASKWARD_POLICY_0,
                        ::taskward::Shutdown::global(),
                    );
                    loop {
                        let mut cursor = ::taskward::__private::rerun_arg(&cursor);
                        let client = &mut *client;
                        match __taskward_supervisor
                            .run(
                                ::taskward::__private::with_timeout::timeout(
                                    &__TASKWARD_META,
                                    ::core::time::Duration::new(5u64, 0u32),
                                    async move {
                                        {
                                            cursor.advance(client.fetch().await);
                                        }
                                    },
                                ),
                            )
                            .await
                        {
                            ::taskward::__private::Ok(
                                ::taskward::__private::Ok(__taskward_value),
                            ) => {
                                if __taskward_supervisor.restart_after_ok().await {
                                    continue;
                                }
                                break ::taskward::__private::Ok(__taskward_value);
                            }
                            ::taskward::__private::Ok(
                                ::taskward::__private::Err(__taskward_error),
                            ) => {
                                let __taskward_restart = __taskward_supervisor
                                    .restart_after_error(&__taskward_error);
                                if __taskward_restart.await {
                                    continue;
                                }
                                break ::taskward::__private::Err(__taskward_error);
                            }
                            ::taskward::__private::Err(__taskward_panic) => {
                                if __taskward_supervisor.restart_after_panic(&__taskward_panic).await
                                {
                                    continue;
                                }
                                break ::taskward::__private::Err(__taskward_panic.into_error());
                            }
                        }
                    }
                }
            }
        "#]],
    );
}

/// Whatever the input, the macro answers with tokens (an error and the item), never a panic.
#[test]
fn bad_input_gives_an_error_never_a_panic() {
    let items = [
        quote!(
            async fn f() {}
        ),
        quote!(
            fn f() {}
        ),
        quote!(
            struct S;
        ),
        quote!(
            async fn f();
        ),
        quote!(
            async fn f() -> impl Sized {
                1
            }
        ),
        quote!(
            const async fn f() {}
        ),
        quote!(
            async fn f(self) {}
        ),
        quote!(
            async fn f(#[attr] x: u8) {}
        ),
        quote!(async fn f() {} extra tokens),
        quote!(),
        quote!(
            #[with_timeout]
            #[bounded = 3]
            #[supervised(backoff = 5)]
            async fn f() {}
        ),
    ];
    let args = [
        quote!(),
        quote!(0),
        quote!(-0),
        quote!(99999999999999999999999999),
        quote!(8u8),
        quote!("8"),
        quote!(wait),
        quote!(wait =),
        quote!(= 3),
        quote!(,,),
        quote!(in = 3),
        quote!(in = &self.x, in = &self.y),
        quote!(cancel = true),
        quote!(backoff = "1s.."),
        quote!(backoff = "..1s"),
        quote!(backoff = "1s..2s..3s"),
        quote!(backoff = "a..b"),
        quote!(within = "0ms"),
        quote!(restarts = 4294967296),
        quote!("1ns"),
        quote!("18446744073709551615s"),
        quote!("999999999999999999999h"),
        quote!(restart = "always", restart = "always"),
        quote!(allow(permit_held_across_restarts)),
        quote!(8, allow()),
        quote!(allow(nothing, 3)),
        quote!(allow = 3),
        quote!("1s", allow(deadline_before_first_restart)),
    ];
    for &kind in Kind::ALL {
        for item in &items {
            let item_is_rust = syn::parse2::<syn::File>(item.clone()).is_ok();
            for arg in &args {
                let out = expand(kind, arg.clone(), item.clone());
                // What we emit is Rust whenever what we were given was.
                if item_is_rust {
                    assert!(
                        syn::parse2::<syn::File>(out.clone()).is_ok(),
                        "{kind:?}({arg}) on `{item}` gave `{out}`"
                    );
                }
            }
        }
    }
}

#[test]
fn with_timeout_with_a_fallback_on_a_method() {
    check(
        Kind::WithTimeout,
        quote!("100ms", fallback = Self::cached),
        quote! {
            async fn price(&mut self, ticker: String) -> Result<u32, QuoteError> {
                self.live(&ticker).await
            }
        },
        &expect![[r#"
            async fn price(&mut self, ticker: String) -> Result<u32, QuoteError> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "price"),
                );
                {
                    let __taskward_outcome = {
                        let __taskward_self = &mut *self;
                        let ticker = ::taskward::__private::rerun_arg(&ticker);
                        ::taskward::__private::with_timeout::timeout(
                                &__TASKWARD_META,
                                ::core::time::Duration::new(0u64, 100000000u32),
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
                                        let __taskward_never: Result<u32, QuoteError> = loop {};
                                        return __taskward_never;
                                    }
                                    { __taskward_self.live(&ticker).await }
                                },
                            )
                            .await
                    };
                    match __taskward_outcome {
                        ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                        ::taskward::__private::Err(__taskward_error) => {
                            Self::cached(
                                    self,
                                    ticker,
                                    ::taskward::__private::fallback::error::<
                                        Result<u32, QuoteError>,
                                    >(__taskward_error),
                                )
                                .await
                        }
                    }
                }
            }
        "#]],
    );
}
