//! `#[retry]`: its expansion, and the reading of its options.

use core::time::Duration;
use expect_test::{expect, expect_file};

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(Kind::Retry, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn retry_on_a_method() {
    expect_file!["../../../../src/docs/expand/retry.md"].assert_eq(&format!(
        "```text\n{}```\n",
        pretty(
            quote!(attempts = 3, on = FetchError::Timeout | FetchError::Io(_)),
            quote! {
                async fn fetch(&self, url: &str) -> Result<Bytes, FetchError> {
                    self.client.get(url).await
                }
            },
        )
    ));
}

/// A `#[with_timeout]` above `#[retry]` computes its deadline once, for its timer and for the
/// retry, which gives up rather than sleep past it; the one below is a deadline per attempt,
/// whose failure a function of another type than `Result` returns as its `Err`.
#[test]
fn a_deadline_above_is_published_to_the_retry() {
    let out = prettyplease::unparse(
        &syn::parse2(expand(
            Kind::WithTimeout,
            quote!("10s"),
            quote! {
                #[retry(attempts = 2, jitter = false, budget = false, total = "5s", on = taskward::Error::Timeout { .. })]
                #[with_timeout("1s")]
                async fn poll(mut cursor: Cursor) -> u64 {
                    cursor.next().await
                }
            },
        ))
        .unwrap(),
    );
    expect![[r#"
        async fn poll(cursor: Cursor) -> ::core::result::Result<u64, ::taskward::Error> {
            #[allow(unused_imports)]
            use retry as _;
            #[allow(unused_imports)]
            use with_timeout as _;
            static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                ::core::concat!(::core::module_path!(), "::", "poll"),
            );
            static __TASKWARD_RETRY_1: ::taskward::__private::retry::RetryPolicy = ::taskward::__private::retry::RetryPolicy {
                attempts: 2u32,
                backoff_min: ::core::time::Duration::new(0u64, 100000000u32),
                backoff_max: ::core::time::Duration::new(5u64, 0u32),
                jitter: false,
                total: ::core::option::Option::Some(::core::time::Duration::new(5u64, 0u32)),
                budget: ::core::option::Option::None,
            };
            {
                let __taskward_deadline_0 = ::taskward::__private::with_timeout::deadline(
                    ::core::time::Duration::new(10u64, 0u32),
                );
                ::taskward::__private::flatten(
                    ::taskward::__private::with_timeout::timeout_at(
                            &__TASKWARD_META,
                            __taskward_deadline_0,
                            ::core::time::Duration::new(10u64, 0u32),
                            async move {
                                let mut __taskward_retry = ::taskward::__private::retry::Retry::new(
                                    &__TASKWARD_META,
                                    &__TASKWARD_RETRY_1,
                                    ::core::option::Option::Some(__taskward_deadline_0),
                                );
                                loop {
                                    let mut cursor = ::taskward::__private::rerun_arg(&cursor);
                                    let __taskward_delay = {
                                        let __taskward_attempt = ::taskward::__private::with_timeout::timeout(
                                                &__TASKWARD_META,
                                                ::core::time::Duration::new(1u64, 0u32),
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
                                                    { cursor.next().await }
                                                },
                                            )
                                            .await;
                                        let ::core::option::Option::Some(__taskward_error) = ::taskward::__private::retry::failure(
                                            &__taskward_attempt,
                                        ) else {
                                            break __taskward_attempt;
                                        };
                                        let __taskward_retried: bool = ::core::matches!(
                                            __taskward_error, taskward::Error::Timeout { .. }
                                        );
                                        if !__taskward_retried {
                                            __taskward_retry
                                                .not_retried(
                                                    &{
                                                        #[allow(unused_imports)]
                                                        use ::taskward::__private::{
                                                            DescribeDebug as _, DescribeDisplay as _, DescribeOther as _,
                                                        };
                                                        (&&&::taskward::__private::Describe(&*__taskward_error))
                                                            .__taskward_describe()
                                                    },
                                                );
                                            break __taskward_attempt;
                                        }
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
                        .await,
                )
            }
        }
    "#]]
    .assert_eq(&out);
}

/// The `# Concurrency policy` line of a documented function.
#[test]
fn the_policy_line_states_every_option() {
    let line = |args: TokenStream| {
        let out = expand(
            Kind::Retry,
            args,
            quote!(
                /// Docs.
                async fn f() -> Result<(), E> {
                    Ok(())
                }
            ),
        );
        let file: syn::File = syn::parse2(out).unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!("a function");
        };
        f.attrs
            .iter()
            .filter_map(|attr| match &attr.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .find(|line| line.contains("**retry**"))
            .unwrap()
    };
    expect![[r#" - **retry**: at most 3 attempts, again after an `Err`, with a backoff of 100ms to 5s, jittered; retries within a budget of 20% of the calls (and 10 a second)."#]]
        .assert_eq(&line(quote!()));
    expect![[r#" - **retry**: at most 5 attempts, again after an `Err` matching `E::Timeout | E::Io(_)` for which `E::is_transient` is true, with a backoff of 1s to 1m; no attempt begins 2m or more after the first; retries within a budget of 5.5% of the calls (and 10 a second)."#]]
        .assert_eq(&line(quote!(
            attempts = 5,
            backoff = "1s..1m",
            jitter = false,
            on = E::Timeout | E::Io(_),
            when = E::is_transient,
            total = "2m",
            budget = 0.055
        )));
    expect![[r#" - **retry**: at most 3 attempts, again after an `Err`, with a backoff of 100ms to 5s, jittered; retries are not budgeted."#]]
        .assert_eq(&line(quote!(budget = false)));
}

/// Each mistake in the options is one error, with a message that says what to write.
#[test]
fn options_are_checked_on_their_literals() {
    let error = |args: TokenStream| {
        let out = expand(
            Kind::Retry,
            args.clone(),
            quote!(
                async fn f() -> Result<(), E> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{args}: {out}");
        out
    };
    for (args, message) in [
        (quote!(attempts = 0), "would never call the body"),
        (quote!(attempts = -1), "a positive integer such as `3`"),
        (quote!(attempts = 3i32), "drop the `i32` suffix"),
        (quote!(attempts = "3"), "a positive integer such as `3`"),
        (quote!(3), "`attempts = 3`"),
        (quote!(jitter), "`jitter` takes a value"),
        (quote!(jitter = 1), "`jitter` is `true` or `false`"),
        (quote!(backoff = "1s..100ms"), "inverted"),
        (quote!(total = "0s"), "above zero"),
        (quote!(total = 10), "a string with a unit"),
        (quote!(budget = 1.5), "above 1"),
        (quote!(budget = -0.1), "cannot be negative"),
        (quote!(budget = true), "on by default"),
        (quote!(budget = 0.2f32), "drop the `f32` suffix"),
        (quote!(budget = 0.0000001), "below a millionth"),
        (quote!(budget = "20%"), "from `0` to `1`"),
        (quote!(on =), "`on` takes a pattern"),
        (quote!(on = |e| true), "write `when = path::to::function`"),
        (quote!(on = E::A + 1), "`on` takes a pattern"),
        (
            quote!(when = "is_transient"),
            "its path, such as `when = is_transient`",
        ),
        (quote!(when = 3 + 1), "or a closure"),
        (quote!(attempts = 2, attempts = 3), "given twice"),
        (quote!(tries = 3), "unknown option `tries` for #[retry]"),
        (quote!(restarts = 3), "an option of #[supervised]"),
        (quote!(wait = "1s"), "an option of #[bounded]"),
        (quote!(x + 1), "takes options written `key = value`"),
    ] {
        let out = error(args.clone());
        assert!(out.contains(message), "{args}: {out}");
    }
    // Not a pattern: a guard.
    let out = error(quote!(on = E::B(x) if x > 1));
    assert!(out.contains("`on` takes a pattern"), "{out}");
    // Valid: the edges.
    for args in [
        quote!(attempts = 1),
        quote!(budget = 0),
        quote!(budget = 1),
        quote!(budget = 0.000001),
        quote!(on = | E::A),
        quote!(when = |err: &E| err.is_transient()),
        quote!(when = |err| err.code() > 499),
        quote!(on = E::A { code: 500..=599, .. } | E::B(ref x) | E::C(_x @ 1..)),
    ] {
        let out = expand(
            Kind::Retry,
            args.clone(),
            quote!(
                async fn f() -> Result<(), E> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{args}: {out}");
    }
}

#[test]
fn the_shortest_backoffs_and_the_shares() {
    let ms = Duration::from_millis;
    let retry = |attempts, jitter| super::Retry {
        attempts,
        jitter,
        backoff_min: ms(100),
        backoff_max: ms(1000),
        ..super::Retry::default()
    };
    assert_eq!(retry(1, true).shortest_backoffs(), ms(0));
    assert_eq!(retry(4, true).shortest_backoffs(), ms(300));
    assert_eq!(retry(4, false).shortest_backoffs(), ms(700));
    assert_eq!(
        retry(7, false).shortest_backoffs(),
        ms(100 + 200 + 400 + 800 + 1000 + 1000)
    );
    // Thousands of years, computed at once.
    assert_eq!(
        retry(u32::MAX, false).shortest_backoffs(),
        ms(100 + 200 + 400 + 800) + Duration::from_secs(u64::from(u32::MAX - 5))
    );
    let huge = super::Retry {
        backoff_min: Duration::MAX / 4,
        backoff_max: Duration::MAX,
        ..retry(10, false)
    };
    assert_eq!(huge.shortest_backoffs(), Duration::MAX);
    assert_eq!(super::percent(200_000), "20%");
    assert_eq!(super::percent(55_000), "5.5%");
    assert_eq!(super::percent(1), "0.0001%");
    assert_eq!(super::percent(1_000_000), "100%");
}
