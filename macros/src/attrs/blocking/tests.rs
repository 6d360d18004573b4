//! `#[blocking]`: its expansion (`UPDATE_EXPECT=1 cargo test -p taskward-macros` rewrites the
//! snapshots) and what it takes for a borrow.

use expect_test::{Expect, expect, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use super::borrows;
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

#[test]
fn blocking_alone_makes_an_async_fn_around_spawn_blocking() {
    // The docs show it.
    let expanded = pretty(
        Kind::Blocking,
        TokenStream::new(),
        quote! {
            pub fn checksum(data: Vec<u8>) -> u32 {
                data.iter().map(|&b| u32::from(b)).sum()
            }
        },
    );
    expect_file!["../../../../src/docs/expand/blocking.md"]
        .assert_eq(&format!("```text\n{expanded}```\n"));
}

#[test]
fn bounded_with_timeout_blocking_on_an_arc_method_returning_a_result() {
    check(
        Kind::Bounded,
        quote!(4),
        quote! {
            #[with_timeout("2s")]
            #[blocking]
            fn load(self: Arc<Self>, path: PathBuf) -> std::io::Result<Vec<u8>> {
                let bytes = std::fs::read(&path)?;
                if bytes.is_empty() {
                    return Err(std::io::Error::other("empty"));
                }
                Ok(bytes)
            }
        },
        &expect![[r#"
            async fn load(self: Arc<Self>, path: PathBuf) -> std::io::Result<Vec<u8>> {
                #[allow(unused_imports)]
                use with_timeout as _;
                #[allow(unused_imports)]
                use blocking as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "load"),
                );
                static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
                    4usize,
                );
                ::taskward::__private::blocking::arg::<Arc<Self>>();
                ::taskward::__private::blocking::arg::<PathBuf>();
                match {
                    let __taskward_permit = ::taskward::__private::bounded::acquire(
                            &__TASKWARD_BULKHEAD_0,
                            &__TASKWARD_META,
                        )
                        .await;
                    async move {
                        ::taskward::__private::flatten(
                            ::taskward::__private::with_timeout::timeout(
                                    &__TASKWARD_META,
                                    ::core::time::Duration::new(2u64, 0u32),
                                    ::taskward::__private::blocking::run::<
                                        std::io::Result<Vec<u8>>,
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
                                                let __taskward_never: std::io::Result<Vec<u8>> = loop {};
                                                return __taskward_never;
                                            }
                                            {
                                                let bytes = std::fs::read(&path)?;
                                                if bytes.is_empty() {
                                                    return Err(std::io::Error::other("empty"));
                                                }
                                                Ok(bytes)
                                            }
                                        },
                                    ),
                                )
                                .await,
                        )
                    }
                        .await
                } {
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
fn under_supervised_each_run_moves_fresh_copies_into_its_closure() {
    check(
        Kind::Supervised,
        quote!(restarts = 2),
        quote! {
            #[blocking]
            fn parse(self: Arc<Self>, text: String, n: impl Display + Send + Clone) -> u32 {
                self.count(&text, n)
            }
        },
        &expect![[r#"
            async fn parse(
                self: Arc<Self>,
                text: String,
                n: impl Display + Send + Clone,
            ) -> ::core::result::Result<u32, ::taskward::Error> {
                #[allow(unused_imports)]
                use blocking as _;
                static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
                    ::core::concat!(::core::module_path!(), "::", "parse"),
                );
                static __TASKWARD_POLICY_0: ::taskward::__private::supervised::SupervisePolicy = ::taskward::__private::supervised::SupervisePolicy {
                    restarts: 2u32,
                    within: ::core::time::Duration::new(60u64, 0u32),
                    backoff_min: ::core::time::Duration::new(0u64, 100000000u32),
                    backoff_max: ::core::time::Duration::new(10u64, 0u32),
                    jitter: true,
                    always: false,
                };
                ::taskward::__private::blocking::arg::<Arc<Self>>();
                ::taskward::__private::blocking::arg::<String>();
                ::taskward::__private::blocking::arg_value(&n);
                {
                    let mut __taskward_supervisor = ::taskward::__private::supervised::Supervisor::new(
                        &__TASKWARD_META,
                        &__TASKWARD_POLICY_0,
                        ::taskward::Shutdown::global(),
                    );
                    loop {
                        let __taskward_self = ::taskward::__private::rerun_arg(&self);
                        let text = ::taskward::__private::rerun_arg(&text);
                        let n = ::taskward::__private::rerun_arg(&n);
                        match __taskward_supervisor
                            .run(
                                ::taskward::__private::blocking::run::<
                                    u32,
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
                                            let __taskward_never: u32 = loop {};
                                            return __taskward_never;
                                        }
                                        { __taskward_self.count(&text, n) }
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

#[test]
fn an_error_emits_the_function_as_written() {
    check(
        Kind::Blocking,
        quote!(8),
        quote! {
            fn f() -> u32 { 1 }
        },
        &expect![[r##"
            ::core::compile_error! {
                "#[blocking] takes no options: write `#[blocking]` (limit the blocking work with #[bounded] above it, give it a deadline with #[with_timeout])"
            }
            fn f() -> u32 {
                1
            }
        "##]],
    );
}

#[test]
fn borrows_are_references_and_lifetimes_but_not_those_of_fn_types() {
    let ty = |tokens: TokenStream| -> syn::Type { syn::parse2(tokens).unwrap() };
    for borrowed in [
        quote!(&str),
        quote!(&mut Vec<u8>),
        quote!(Vec<&str>),
        quote!(Cow<'a, str>),
        quote!(Cow<'_, str>),
        quote!(impl Display + 'a),
        quote!(Box<dyn Fn(&str) + 'a>),
        quote!((u8, &'a u8)),
        quote!(std::pin::Pin<&mut Self>),
    ] {
        assert!(borrows(&ty(borrowed.clone())), "{borrowed}");
    }
    for owned in [
        quote!(String),
        quote!(&'static str),
        quote!(Vec<&'static [u8]>),
        quote!(fn(&str) -> &str),
        quote!(Box<dyn Fn(&str) -> usize + Send>),
        quote!(Box<dyn for<'a> Parse<'a> + Send>),
        quote!(impl FnOnce(&mut Vec<u8>) + Send),
        quote!(Arc<Self>),
    ] {
        assert!(!borrows(&ty(owned.clone())), "{owned}");
    }
}

/// As `generate::matrix`, for the plain `fn`s that `#[blocking]` takes: every stack that ends with
/// it, over the shapes it accepts, expands to Rust with no `compile_error!` and absolute paths.
#[test]
fn every_blocking_stack_over_every_plain_shape_expands_to_rust() {
    let stacks = [
        (Kind::Blocking, quote!(), quote!()),
        (Kind::Bounded, quote!(2), quote!(#[blocking])),
        (Kind::WithTimeout, quote!("1s"), quote!(#[blocking])),
        (Kind::Graceful, quote!(cancel), quote!(#[blocking])),
        (Kind::Supervised, quote!(), quote!(#[blocking])),
        (
            Kind::Graceful,
            quote!(),
            quote!(#[supervised] #[bounded(in = POOL, wait = "0s")] #[with_timeout("1s")] #[blocking]),
        ),
    ];
    let grouped_body = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!({ x + 1 }));
    let shapes = [
        quote!(
            fn f(x: u32) -> u32 {
                x + 1
            }
        ),
        quote!(
            fn f() {}
        ),
        quote!(
            pub fn f() -> Result<u8, E> {
                Ok(1)
            }
        ),
        quote!(
            fn f(self: Arc<Self>, k: String) -> usize {
                self.n + k.len()
            }
        ),
        quote!(
            fn f(self) -> u32 {
                self.n
            }
        ),
        quote!(
            fn f<T: Clone + Send + 'static>(t: T, s: &'static str) -> usize {
                s.len()
            }
        ),
        quote!(
            fn f((a, b): (u8, u8), mut v: Vec<u8>) -> u8 {
                v.push(a);
                b
            }
        ),
        quote!(
            fn f(x: impl Display + Clone + Send + 'static) -> Result<impl Display, E> {
                Ok(x)
            }
        ),
        quote!(
            fn f(#[cfg(any())] gone: u8, kept: u8) -> u8 {
                kept
            }
        ),
        quote!(fn f(x: u32) -> u32 #grouped_body),
        quote!(
            unsafe fn f() -> u32 {
                1
            }
        ),
    ];
    for (kind, args, below) in &stacks {
        for shape in &shapes {
            if kind.name() == "supervised" || below.to_string().contains("supervised") {
                // `self` by value cannot run twice.
                if shape.to_string().contains("(self)") {
                    continue;
                }
            }
            let item = quote!(#below #shape);
            let out = expand(*kind, args.clone(), item.clone());
            let text = out.to_string();
            assert!(!text.contains("compile_error"), "{item}: {text}");
            let file: syn::File = syn::parse2(out).unwrap_or_else(|err| panic!("{item}: {err}"));
            assert_eq!(file.items.len(), 1, "one function out");
            assert!(text.contains("async "), "{text}");
            assert!(
                !text.replace(":: taskward ::", "").contains("taskward ::"),
                "{text}"
            );
        }
    }
}

#[test]
fn a_documented_function_states_that_its_body_runs_on_the_pool() {
    let out = pretty(
        Kind::Bounded,
        quote!(4),
        quote! {
            /// Reads a file.
            #[blocking]
            fn read(path: String) -> usize { path.len() }
        },
    );
    assert!(
        out.contains("- **bounded**: at most 4 calls at once")
            && out.contains("- **blocking**: the body runs on tokio's blocking pool"),
        "{out}"
    );
}
