//! `#[hedged]` on every shape of function it takes (no `&mut`: two runs at once cannot share one),
//! alone and in the common stacks, under the strictest rustc lints of `lints.rs`; and futures that
//! are `Send` exactly when the body's are (`send.rs`'s checks), with arguments that are `Send` but
//! not `Sync` where the body allows it. Nothing runs but the builds.
#![deny(
    warnings,
    unused_qualifications,
    unused_results,
    unreachable_pub,
    missing_docs,
    let_underscore_drop,
    unused_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unused_import_braces
)]

use std::future::Future;

/// `F` is `Send`.
pub fn assert_send<F: Future + Send>(f: F) -> F {
    f
}

/// A trait implemented with annotated `async fn`s.
pub trait Fetch {
    /// Fetches `key`.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<u32, taskward::Error>> + Send;
}

/// As in `lints.rs`: a `pub mod name { items }` for each stack, `@ { fn }` stamped with it.
macro_rules! stacks {
    ($(mod $name:ident { $($stack:tt)* })* shapes $shapes:tt) => {
        $(
            #[doc = concat!("The shapes under `", stringify!($($stack)*), "`.")]
            pub mod $name {
                stamp! { [$($stack)*] $shapes }
            }
        )*

        /// Builds every future without running it.
        fn main() {
            $($name::build();)*
        }
    };
}

/// For `stacks!`: the items, with the stack put in each `@ { fn }`.
macro_rules! stamp {
    ($stack:tt { $($items:tt)* }) => { stamp! { $stack $($items)* } };
    ($stack:tt) => {};
    ([$($stack:tt)*] $(#$attr:tt)* @ { $($fn:tt)* } $($rest:tt)*) => {
        $(#$attr)* $($stack)* $($fn)*
        stamp! { [$($stack)*] $($rest)* }
    };
    ($stack:tt impl $($head:ident)* { $($items:tt)* } $($rest:tt)*) => {
        impl $($head)* { stamp! { $stack $($items)* } }
        stamp! { $stack $($rest)* }
    };
    ($stack:tt $item:item $($rest:tt)*) => {
        $item
        stamp! { $stack $($rest)* }
    };
}

stacks! {
    mod hedged { #[taskward::hedged(after = "50ms")] }
    mod hedged_p95 { #[taskward::hedged(after = "p95", max = 4, bounds = "5ms..2s", initial = "100ms")] }
    mod with_timeout_hedged { #[taskward::with_timeout("1s")] #[taskward::hedged(after = "50ms")] }
    mod hedged_with_timeout { #[taskward::hedged(after = "50ms")] #[taskward::with_timeout("1s")] }
    mod bounded_hedged { #[taskward::bounded(2)] #[taskward::hedged(after = "50ms", max = 2)] }
    mod hedged_bounded { #[taskward::hedged(after = "p99")] #[taskward::bounded(2)] }
    mod graceful_hedged { #[taskward::graceful] #[taskward::hedged(after = "50ms")] }
    mod breaker_hedged { #[taskward::circuit_breaker] #[taskward::hedged(after = "50ms")] }
    mod rate_limited_hedged { #[taskward::rate_limited(10, per = "1s")] #[taskward::hedged(after = "50ms")] }

    shapes {
        use std::cell::Cell;
        use std::fmt::Display;
        use std::sync::Arc;

        use taskward::Error;

        use super::{Fetch, assert_send};

        /// A service with methods.
        #[derive(Debug, Default)]
        pub struct Service {
            calls: u32,
        }

        /// A free function.
        @ {
            pub async fn free(x: u32) -> u32 {
                tokio::task::yield_now().await;
                x + 1
            }
        }

        /// No return type.
        @ {
            pub async fn unit() {}
        }

        /// A `Result` with taskward's error.
        @ {
            pub async fn result(x: u32) -> Result<u32, Error> {
                Ok(x)
            }
        }

        /// Borrowed arguments, an elided and a named lifetime.
        @ {
            pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
                key.len() + a.len() + b.len()
            }
        }

        /// Generics with a where clause; `T: Send` only, not `Sync`.
        @ {
            pub async fn generic<T, U>(t: T, u: U) -> String
            where
                T: Display + Clone + Send,
                U: Display + Clone + Send + Sync,
            {
                tokio::task::yield_now().await;
                format!("{t}{u}")
            }
        }

        /// An `impl Trait` argument.
        @ {
            pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
                name.to_string()
            }
        }

        /// `Cell<u32>` is `Send` but not `Sync`: each run gets its own copy.
        @ {
            pub async fn cell_arg(cell: Cell<u32>) -> u32 {
                tokio::task::yield_now().await;
                cell.get()
            }
        }

        /// Pattern arguments and a `mut` binding.
        @ {
            pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
                v.push(a);
                v.push(b);
                v
            }
        }

        /// `#[tracing::instrument]` above (the `span_per_hedge` lint says so, acknowledged).
        #[allow(deprecated)]
        #[tracing::instrument]
        @ {
            pub async fn instrumented_above(x: u32) -> u32 {
                x
            }
        }

        /// `#[tracing::instrument]` below.
        @ {
            #[tracing::instrument]
            pub async fn instrumented_below(x: u32) -> u32 {
                x
            }
        }

        /// One-line bodies (no `unused_braces` from the wrapper).
        @ {
            pub async fn one_line() -> u32 { 1 }
        }

        /// `impl Trait` inside a `Result`.
        @ {
            pub async fn impl_in_result(x: u32) -> Result<impl Display + use<>, Error> {
                Ok(x)
            }
        }

        /// A `mut` binding of a shared slice and a parameter removed by `#[cfg]`.
        @ {
            pub async fn arguments(
                mut bytes: &[u8],
                #[cfg(any())] removed: u8,
                #[cfg(all())] kept: u8,
            ) -> usize {
                bytes = &bytes[1..];
                bytes.len() + usize::from(kept)
            }
        }

        impl Service {
            /// `&self`.
            @ {
                pub async fn by_ref(&self, x: u32) -> u32 {
                    tokio::task::yield_now().await;
                    self.calls + x
                }
            }

            /// `self: Arc<Self>`.
            @ {
                pub async fn by_arc(self: Arc<Self>) -> u32 {
                    self.calls
                }
            }
        }

        impl Fetch for Service {
            @ {
                async fn fetch(&self, key: &str) -> Result<u32, Error> {
                    Ok(self.calls + u32::from(key.is_empty()))
                }
            }
        }

        /// Builds every future without running it, checking that it is `Send`.
        pub fn build() {
            let service = Service::default();
            drop(assert_send(free(1)));
            drop(assert_send(unit()));
            drop(assert_send(result(1)));
            drop(assert_send(borrowed("k", "a", "b")));
            drop(assert_send(generic(1, "u")));
            drop(assert_send(impl_arg("name")));
            drop(assert_send(cell_arg(Cell::new(1))));
            drop(assert_send(patterns((1, 2), vec![0])));
            drop(assert_send(instrumented_above(1)));
            drop(assert_send(instrumented_below(1)));
            drop(assert_send(one_line()));
            drop(assert_send(impl_in_result(1)));
            drop(assert_send(arguments(&[1, 2], 3)));
            drop(assert_send(service.by_ref(1)));
            drop(assert_send(Fetch::fetch(&service, "k")));
            drop(assert_send(Arc::new(service).by_arc()));
        }
    }
}
