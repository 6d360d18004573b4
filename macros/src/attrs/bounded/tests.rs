//! Expansion snapshots of `#[bounded(adaptive)]` (`UPDATE_EXPECT=1 cargo test -p
//! taskward-macros` rewrites them), and its policy lines.

use expect_test::{Expect, ExpectFile, expect, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

fn pretty(args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(Kind::Bounded, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(args: TokenStream, item: TokenStream, expected: &Expect) {
    expected.assert_eq(&pretty(args, item));
}

/// A snapshot that the docs show.
fn check_file(args: TokenStream, item: TokenStream, expected: &ExpectFile) {
    expected.assert_eq(&format!("```text\n{}```\n", pretty(args, item)));
}

#[test]
fn adaptive_with_settings_on_a_result_reports_the_outcome() {
    check_file(
        quote!(adaptive, min = 2, max = 64),
        quote! {
            async fn query(sql: &str) -> Result<u64, DbError> {
                db::execute(sql).await
            }
        },
        &expect_file!["../../../../src/docs/expand/bounded_adaptive.md"],
    );
}

#[test]
fn adaptive_alone_on_a_plain_output_is_always_a_success() {
    check(
        quote!(adaptive),
        quote! {
            async fn fetch(url: &str) -> usize { url.len() }
        },
        &expect![[r#"
            async fn fetch(url: &str) -> usize {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "fetch"),
                );
                static __TASKWARD_ADAPTIVE_0: ::taskward::AdaptiveBulkhead = ::taskward::AdaptiveBulkhead::new(
                    ::taskward::AdaptiveLimit::new(),
                );
                {
                    let __taskward_permit = ::taskward::__private::bounded_adaptive::acquire(
                            &__TASKWARD_ADAPTIVE_0,
                            &__TASKWARD_META,
                        )
                        .await;
                    let __taskward_output = async move {
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
                        .await;
                    __taskward_permit.finish(true);
                    __taskward_output
                }
            }
        "#]],
    );
}

#[test]
fn adaptive_shared_with_wait_reports_the_body_error_inside_ok() {
    check(
        quote!(adaptive, in = &self.pool, wait = "100ms"),
        quote! {
            async fn get(&self, key: u32) -> std::io::Result<u32> {
                self.read(key).await
            }
        },
        &expect![[r#"
            async fn get(&self, key: u32) -> std::io::Result<u32> {
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "get"),
                );
                let __taskward_bulkhead_0 = ::taskward::__private::bounded_adaptive::handle(
                    &self.pool,
                );
                let __taskward_bulkhead_0: &::taskward::AdaptiveBulkhead = &*__taskward_bulkhead_0;
                match {
                    match ::taskward::__private::bounded_adaptive::acquire_within(
                            __taskward_bulkhead_0,
                            &__TASKWARD_META,
                            ::core::time::Duration::new(0u64, 100000000u32),
                        )
                        .await
                    {
                        ::taskward::__private::Ok(__taskward_permit) => {
                            let __taskward_output = async move {
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
                                { self.read(key).await }
                            }
                                .await;
                            __taskward_permit
                                .finish(
                                    !::core::matches!(
                                        __taskward_output, ::taskward::__private::Err(_)
                                    ),
                                );
                            ::taskward::__private::Ok(__taskward_output)
                        }
                        ::taskward::__private::Err(__taskward_error) => {
                            ::taskward::__private::Err(__taskward_error)
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

/// The line of the `# Concurrency policy` section.
fn policy(args: TokenStream) -> String {
    let out = expand(
        Kind::Bounded,
        args,
        quote!(
            #[doc = "f"]
            async fn f() {}
        ),
    )
    .to_string();
    let start = out.find("- **bounded**").expect("a policy line");
    let end = out[start..].find('"').map_or(out.len(), |end| start + end);
    out[start..end].to_owned()
}

#[test]
fn the_policy_says_the_bounds_the_start_and_the_algorithm() {
    assert_eq!(
        policy(quote!(adaptive)),
        "- **bounded**: an adaptive limit (AIMD) of 1 to 128 calls at once, starting at 1, that follows the calls' latency; a call waits for a permit as long as it takes."
    );
    assert_eq!(
        policy(quote!(adaptive, min = 16, algorithm = vegas, wait = "0s")),
        "- **bounded**: an adaptive limit (Vegas) of 16 to 128 calls at once, starting at 16, that follows the calls' latency; a call fails with `Error::Rejected` at once when none is free."
    );
    assert_eq!(
        policy(quote!(adaptive, in = POOL)),
        "- **bounded**: shares the adaptive limit of `POOL`; a call waits for a permit as long as it takes."
    );
}
