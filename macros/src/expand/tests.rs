//! Expansion snapshots: what we generate, pretty-printed. Spans are not visible here; the UI
//! tests cover them.

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
                async move {
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
                    .await
            }
        "#]],
    );
}
