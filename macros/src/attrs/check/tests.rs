//! `#[check]`: the function emitted as written, the warnings at the top of the body, no layer in a
//! stack, the statement-level `allow(..)` taken out of every expansion.

use expect_test::expect;
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
fn alone_and_with_nothing_found_the_function_is_emitted_as_written() {
    for item in [
        quote! {
            /// Docs.
            pub async fn f(m: &Mutex<u8>) -> u8 { *m.lock().unwrap() }
        },
        quote!(
            fn plain(path: &str) -> String {
                std::fs::read_to_string(path).unwrap()
            }
        ),
        quote!(
            const fn c() -> u8 {
                1
            }
        ),
    ] {
        assert_eq!(
            expand(Kind::Check, TokenStream::new(), item.clone()).to_string(),
            item.to_string()
        );
    }
}

#[test]
fn alone_the_warnings_go_first_in_the_body() {
    let out = pretty(
        Kind::Check,
        TokenStream::new(),
        quote! {
            async fn nap(d: Duration) {
                #[check(allow(blocking))]
                std::thread::sleep(d);
                std::thread::sleep(d);
            }
        },
    );
    expect![[r#"
        async fn nap(d: Duration) {
            {
                #[deprecated(
                    note = "`std::thread::sleep` blocks the runtime's thread, and every task on it waits: write `tokio::time::sleep(duration).await` (taskward: if it is meant, write `#[check(allow(blocking))]` on the statement, or `allow(blocking)` among the options of the function's taskward attribute)"
                )]
                #[allow(non_upper_case_globals)]
                const blocking: () = ();
                let () = blocking;
            }
            std::thread::sleep(d);
            std::thread::sleep(d);
        }
    "#]]
    .assert_eq(&out);
}

#[test]
fn in_a_stack_it_has_no_layer_and_its_allow_counts() {
    let item = |check: TokenStream| {
        quote! {
            #check
            #[bounded(2)]
            async fn f() { std::thread::sleep(d); }
        }
    };
    let with = pretty(
        Kind::WithTimeout,
        quote!("1s"),
        item(quote!(#[check(allow(blocking))])),
    );
    let without = pretty(
        Kind::WithTimeout,
        quote!("1s", allow(blocking)),
        item(TokenStream::new()),
    );
    // The same expansion, but for the user's `use` of the attribute taken off.
    assert_eq!(
        with.replace("#[allow(unused_imports)]\n    use check as _;\n    ", ""),
        without
    );
    assert!(!with.contains("const blocking"));
    let found = pretty(
        Kind::Bounded,
        quote!(2),
        quote!(
            async fn f() {
                std::thread::sleep(d);
            }
        ),
    );
    assert!(found.contains("const blocking"), "{found}");
}

#[test]
fn a_statement_allow_is_taken_out_under_any_attribute_and_on_error() {
    let item = quote! {
        async fn f() {
            #[check(allow(blocking))]
            std::thread::sleep(d);
        }
    };
    let out = expand(Kind::Bounded, quote!(2), item.clone()).to_string();
    assert!(!out.contains("check"), "{out}");
    let err = expand(Kind::Bounded, quote!(0), item).to_string();
    assert!(err.contains("compile_error"), "{err}");
    assert!(!err.contains("check"), "{err}");
}

#[test]
fn the_body_of_blocking_may_block() {
    let out = expand(
        Kind::Blocking,
        TokenStream::new(),
        quote!(
            fn read(path: String) -> String {
                std::fs::read_to_string(path).unwrap()
            }
        ),
    )
    .to_string();
    assert!(!out.contains("const blocking"), "{out}");
}
