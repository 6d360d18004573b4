//! Expansion snapshots of `#[circuit_breaker]` (`UPDATE_EXPECT=1 cargo test -p taskward-macros`
//! rewrites them); the one the docs show is kept in `src/docs/expand/circuit_breaker.md` of the
//! facade. Spans are not visible here; the UI tests cover them.

use expect_test::{Expect, expect, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(Kind::CircuitBreaker, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(args: TokenStream, item: TokenStream, expected: &Expect) {
    expected.assert_eq(&pretty(args, item));
}

#[test]
fn a_breaker_of_its_own_with_a_pattern() {
    let expansion = pretty(
        quote!(
            failures = 3,
            reset = "10s",
            on = FetchError::Timeout | FetchError::Status(500..)
        ),
        quote! {
            async fn fetch(url: &str) -> Result<Bytes, FetchError> {
                get(url).await
            }
        },
    );
    // A complete Markdown block, which the docs include as it is.
    expect_file!["../../../../src/docs/expand/circuit_breaker.md"]
        .assert_eq(&format!("```text\n{expansion}```\n"));
}

#[test]
fn shared_by_reference_with_a_predicate_and_a_deadline_inside() {
    check(
        quote!(in = &self.breaker, when = is_outage),
        quote! {
            #[with_timeout("2s")]
            async fn send(&self, order: Order) -> Result<Receipt, PspError> {
                self.psp.send(order).await
            }
        },
        &expect![[r#"
            async fn send(&self, order: Order) -> Result<Receipt, PspError> {
                #[allow(unused_imports)]
                use with_timeout as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "send"),
                );
                let __taskward_breaker_0 = ::taskward::__private::circuit_breaker::handle(
                    &self.breaker,
                );
                let __taskward_breaker_0: &::taskward::Breaker = &*__taskward_breaker_0;
                match {
                    ::taskward::__private::flatten(
                        ::taskward::__private::circuit_breaker::call(
                                move || (__taskward_breaker_0, &__TASKWARD_META),
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
                                            let __taskward_never: Result<Receipt, PspError> = loop {};
                                            return __taskward_never;
                                        }
                                        { self.psp.send(order).await }
                                    },
                                ),
                                |__taskward_output| match __taskward_output {
                                    ::taskward::__private::Err(_) => true,
                                    ::taskward::__private::Ok(
                                        ::taskward::__private::Err(__taskward_error),
                                    ) => {
                                        ::taskward::__private::circuit_breaker::body_error(
                                                __taskward_error,
                                            )
                                            .counts(is_outage)
                                    }
                                    _ => false,
                                },
                            )
                            .await,
                    )
                } {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<Result<Receipt, PspError>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn a_plain_return_counts_panics_and_the_layers_inside() {
    check(
        quote!(in = SEARCH),
        quote! {
            async fn search(query: String) -> Vec<Hit> {
                index(query).await
            }
        },
        &expect![[r#"
            async fn search(query: String) -> ::core::result::Result<Vec<Hit>, ::taskward::Error> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "search"),
                );
                static __TASKWARD_SHARED_0: &::taskward::Breaker = &SEARCH;
                fn __taskward_site_0() -> (
                    &'static ::taskward::Breaker,
                    &'static ::taskward::__private::Meta,
                ) {
                    (__TASKWARD_SHARED_0, &__TASKWARD_META)
                }
                ::taskward::__private::circuit_breaker::call(
                        __taskward_site_0,
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
                                let __taskward_never: Vec<Hit> = loop {};
                                return __taskward_never;
                            }
                            { index(query).await }
                        },
                        |__taskward_output| false,
                    )
                    .await
            }
        "#]],
    );
}

#[test]
fn a_rate_with_its_window() {
    check(
        quote!(rate = 0.25, window = 40, half_open = 2),
        quote! {
            async fn lookup(key: u64) -> std::io::Result<Vec<u8>> {
                read(key).await
            }
        },
        &expect![[r#"
            async fn lookup(key: u64) -> std::io::Result<Vec<u8>> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "lookup"),
                );
                static __TASKWARD_BREAKER_0: ::taskward::Breaker = ::taskward::Breaker::new()
                    .rate(0.25, 40, 10)
                    .half_open(2);
                fn __taskward_site_0() -> (
                    &'static ::taskward::Breaker,
                    &'static ::taskward::__private::Meta,
                ) {
                    (&__TASKWARD_BREAKER_0, &__TASKWARD_META)
                }
                match ::taskward::__private::circuit_breaker::call(
                        __taskward_site_0,
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
                                let __taskward_never: std::io::Result<Vec<u8>> = loop {};
                                return __taskward_never;
                            }
                            { read(key).await }
                        },
                        |__taskward_output| {
                            ::core::matches!(__taskward_output, ::taskward::__private::Err(_))
                        },
                    )
                    .await
                {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => {
                        ::taskward::__private::fail::<std::io::Result<Vec<u8>>>(__taskward_error)
                    }
                }
            }
        "#]],
    );
}

#[test]
fn the_policy_says_what_it_does() {
    let text = expand(
        Kind::CircuitBreaker,
        quote!(rate = 0.5, failures = 3, on = E::Timeout),
        quote! {
            /// Documented.
            async fn f() -> Result<(), E> { Ok(()) }
        },
    )
    .to_string();
    assert!(
        text.contains(
            "opens after 3 consecutive failures or when 50% of the last 20 calls fail (from 10 calls on), for 30s; then lets 1 probe call through, and closes when it succeeds; an open breaker fails calls at once with `Error::CircuitOpen`. Failures: an `Err` matching `E::Timeout`, a panic, and a failure of the attributes below."
        ),
        "{text}"
    );
}

/// Whatever the arguments, the macro answers with an error or an expansion that is Rust, never a
/// panic; the mistakes are errors (the function is emitted with a `compile_error!`).
#[test]
fn bad_arguments_give_an_error_never_a_panic() {
    let item = quote! {
        async fn f() -> Result<u8, E> { Ok(1) }
    };
    let mistakes = [
        quote!(on = _),
        quote!(on = Timeout),
        quote!(on = 1 + 2),
        quote!(on = E::A | _),
        quote!(on =),
        quote!(when = || true),
        quote!(when = 3),
        quote!(on = E::A, when = f),
        quote!(rate = 1e999),
        quote!(rate = -0.0),
        quote!(rate = f64::NAN),
        quote!(rate = 0.5f32x),
        quote!(rate = 1.5),
        quote!(rate = 250),
        quote!(rate = "0.5"),
        quote!(rate = "12.5 %"),
        quote!(window = 99999999999),
        quote!(rate = 0.5, window = 0),
        quote!(rate = 0.5, min_calls = 30),
        quote!(min_calls = 3),
        quote!(reset = "1ns"),
        quote!(reset = "0ms"),
        quote!(reset = 30),
        quote!(reset = Duration::from_secs(3)),
        quote!(half_open = 65536),
        quote!(failures = 3i8),
        quote!(failures = 4294967296),
        quote!(failures = 2.0),
        quote!(in = PARTNER, reset = "1s"),
        quote!(in = 3),
        quote!(in = Self::BREAKER),
        quote!(5),
        quote!(cancel),
    ];
    for args in mistakes {
        let out = expand(Kind::CircuitBreaker, args.clone(), item.clone());
        let text = out.to_string();
        assert!(text.contains("compile_error"), "({args}) gave `{text}`");
        syn::parse2::<syn::File>(out).unwrap_or_else(|err| panic!("({args}): {err}"));
    }
    let fine = [
        quote!(rate = 1),
        quote!(rate = 1e-9),
        quote!(on = |E::A| E::B(..)),
        quote!(on = E::C { .. }),
        quote!(on = E::Code(500..=599)),
        quote!(when = errors::is_outage),
        quote!(in = &self.breaker, on = E::A),
        quote!(reset = "1d 2h", half_open = 65535, failures = 4294967295),
    ];
    for args in fine {
        let text = expand(Kind::CircuitBreaker, args.clone(), item.clone()).to_string();
        assert!(!text.contains("compile_error"), "({args}) gave `{text}`");
    }
}

/// `#[circuit_breaker]` over `#[retry(attempts = 3, on = ..)]` on a method: one call is one
/// outcome for the breaker, whatever its attempts.
#[test]
fn circuit_breaker_over_retry_on_a_method() {
    let tokens = crate::pipeline::expand(
        Kind::CircuitBreaker,
        quote!(failures = 3, reset = "10s"),
        quote! {
            #[retry(attempts = 3, on = FetchError::Timeout | FetchError::Io(_))]
            async fn fetch(&self, key: &str) -> Result<Bytes, FetchError> {
                self.client.get(key).await
            }
        },
    );
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    expect_test::expect_file!["../../../../src/docs/expand/circuit_breaker_retry.md"]
        .assert_eq(&format!("```text\n{}```\n", prettyplease::unparse(&file)));
}
