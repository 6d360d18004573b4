//! The future of an annotated function is `Send` exactly when its body's is: every shape, under
//! every attribute and the common stacks, with argument and receiver types that are `Send` but not
//! `Sync` where the body allows it. Nothing runs; the checks are compile-time.
#![allow(dead_code, missing_docs)]

use std::cell::Cell;
use std::fmt::Display;
use std::future::Future;

pub static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

pub static BREAKER: taskward::Breaker = taskward::Breaker::new();

pub fn assert_send<T: Send>(_: &T) {}

/// `Send`, `Clone` and `Display`, not `Sync`.
#[derive(Debug, Default, Clone)]
pub struct NotSync(Cell<u32>);

impl Display for NotSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.get())
    }
}

pub trait Fetch {
    /// The `+ Send` here is itself a check.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<usize, taskward::Error>> + Send;
}

/// `stacks! { mod name { stack } ... shapes { items } }` writes a `mod name { items }` for each
/// stack, in which `@ { fn }` is `fn` with the stack where the `@` is, and a `main` that calls
/// `check()` of each module.
///
/// The shapes are the macro's input, not its body, so that they keep the spans of this file as a
/// user's code would.
macro_rules! stacks {
    ($(mod $name:ident { $($stack:tt)* })* shapes $shapes:tt) => {
        $(
            mod $name {
                stamp! { [$($stack)*] $shapes }
            }
        )*

        fn main() {
            $($name::check();)*
            plain_fn::check();
            coalesce_send::check();
        }
    };
}

/// For `stacks!`: the items, with the stack put in each `@ { fn }`. Only the `@ { }` and the
/// braces of `impl` blocks are taken apart; every other token is passed on as written.
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
    mod bounded { #[taskward::bounded(2)] }
    mod bounded_wait { #[taskward::bounded(2, wait = "10ms")] }
    mod with_timeout { #[taskward::with_timeout("1s")] }
    mod supervised { #[taskward::supervised] }
    mod graceful { #[taskward::graceful] }
    mod graceful_cancel_in { #[taskward::graceful(cancel, in = taskward::Shutdown::global())] }
    mod graceful_supervised { #[taskward::graceful] #[taskward::supervised] }
    mod supervised_with_timeout { #[taskward::supervised] #[taskward::with_timeout("1s")] }
    mod graceful_bounded { #[taskward::graceful] #[taskward::bounded(2)] }
    mod bounded_with_timeout { #[taskward::bounded(2)] #[taskward::with_timeout("1s")] }
    mod all {
        #[taskward::graceful(cancel)]
        #[taskward::supervised]
        #[taskward::bounded(in = super::POOL)]
        #[taskward::with_timeout("1s")]
    }
    mod retry_with_timeout { #[taskward::retry] #[taskward::with_timeout("1s")] }
    mod with_timeout_retry {
        #[taskward::with_timeout("5s")]
        #[taskward::retry(total = "4s", on = taskward::Error::Timeout { .. })]
        #[taskward::bounded(2)]
        #[taskward::with_timeout("1s")]
    }

    mod rate_limited { #[taskward::rate_limited(10, per = "1s")] }
    mod rate_limited_in_wait { #[taskward::rate_limited(in = super::RATE, wait = "10ms")] }
    mod rate_limited_stack {
        #[taskward::graceful(cancel)]
        #[taskward::rate_limited(5, per = "1s", burst = 1, wait = "0s")]
        #[taskward::supervised]
}

    mod circuit_breaker { #[taskward::circuit_breaker(rate = 0.5)] }
    mod circuit_breaker_shared_stack {
        #[taskward::graceful]
        #[taskward::supervised]
        #[taskward::circuit_breaker(in = super::BREAKER)]
        #[taskward::with_timeout("1s")]
    }
    mod check { #[taskward::check] }

    // #[bounded(adaptive)]
    mod bounded_adaptive { #[taskward::bounded(adaptive)] }
    mod bounded_adaptive_options {
        #[taskward::bounded(adaptive, min = 2, max = 64, initial = 4, algorithm = vegas, wait = "10ms")]
        #[taskward::with_timeout("1s")]
    }
    mod bounded_adaptive_shared {
        #[taskward::graceful]
        #[taskward::supervised]
        #[taskward::bounded(adaptive, in = super::ADAPTIVE)]
    }

    shapes {
        use std::cell::Cell;
        use std::fmt::Display;
        use std::sync::Arc;

        use taskward::Error;

        use super::{Fetch, NotSync, assert_send};

        #[derive(Debug, Default)]
        pub struct Service {
            calls: u32,
        }

        /// `Send`, not `Sync`.
        #[derive(Debug, Default)]
        pub struct Counter {
            calls: Cell<u32>,
        }

        @ {
            pub async fn free(x: u32) -> u32 {
                tokio::task::yield_now().await;
                x
            }
        }

        @ {
            pub async fn unit() {
                tokio::task::yield_now().await;
            }
        }

        @ {
            pub async fn result(x: u32) -> Result<u32, Error> {
                tokio::task::yield_now().await;
                Ok(x)
            }
        }

        @ {
            pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
                tokio::task::yield_now().await;
                key.len() + a.len() + b.len()
            }
        }

        /// `T: Send` only, not `Sync`: the body's future is `Send`, so must ours be.
        @ {
            pub async fn generic<T>(t: T) -> usize
            where
                T: Display + Clone + Send,
            {
                tokio::task::yield_now().await;
                t.to_string().len()
            }
        }

        @ {
            pub async fn impl_arg(name: impl Display + Clone + Send) -> usize {
                tokio::task::yield_now().await;
                name.to_string().len()
            }
        }

        /// `Cell<u32>` is `Send` but not `Sync`.
        @ {
            pub async fn cell_arg(cell: Cell<u32>) -> u32 {
                tokio::task::yield_now().await;
                cell.get()
            }
        }

        @ {
            pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
                tokio::task::yield_now().await;
                v.push(a);
                v.push(b);
                v
            }
        }

        // For the stacks with `#[supervised]`, the `span_per_restart` lint says what this order
        // means; acknowledged here.
        #[allow(deprecated)]
        #[tracing::instrument]
        @ {
            pub async fn instrumented_above(x: u32) -> u32 {
                tokio::task::yield_now().await;
                x
            }
        }

        @ {
            #[tracing::instrument]
            pub async fn instrumented_below(x: u32) -> u32 {
                tokio::task::yield_now().await;
                x
            }
        }

        @ {
            pub async fn use_inside() -> Result<u8, Error> {
                use std::io::Error;
                tokio::task::yield_now().await;
                Ok(Error::other("a name of the body")
                    .raw_os_error()
                    .map_or(1, |_| 0))
            }
        }

        impl Service {
            @ {
                pub async fn by_ref(&self) -> u32 {
                    tokio::task::yield_now().await;
                    self.calls
                }
            }

            @ {
                pub async fn by_arc(self: Arc<Self>) -> u32 {
                    tokio::task::yield_now().await;
                    self.calls
                }
            }
        }

        impl Counter {
            /// `Counter` is `Send` but not `Sync`: `&mut self` keeps the body's future `Send`.
            @ {
                pub async fn by_mut(&mut self) -> u32 {
                    tokio::task::yield_now().await;
                    *self.calls.get_mut() += 1;
                    *self.calls.get_mut()
                }
            }
        }

        impl Fetch for Service {
            @ {
                async fn fetch(&self, key: &str) -> Result<usize, taskward::Error> {
                    tokio::task::yield_now().await;
                    Ok(key.len())
                }
            }
        }

        /// For every `T: Send` (not `Sync`), not for one chosen type.
        pub fn check_generic<T: Display + Clone + Send>(t: T, name: impl Display + Clone + Send) {
            assert_send(&generic(t));
            assert_send(&impl_arg(name));
        }

        pub fn check() {
            let key = String::from("key");
            let service = Arc::new(Service::default());
            let mut counter = Counter::default();
            assert_send(&free(1));
            assert_send(&unit());
            assert_send(&result(1));
            assert_send(&borrowed(&key, "a", "b"));
            check_generic(NotSync::default(), NotSync::default());
            assert_send(&cell_arg(Cell::new(1)));
            assert_send(&patterns((1, 2), vec![0]));
            assert_send(&instrumented_above(1));
            assert_send(&instrumented_below(1));
            assert_send(&use_inside());
            assert_send(&service.by_ref());
            assert_send(&service.fetch(&key));
            assert_send(&service.clone().by_arc());
            assert_send(&counter.by_mut());
        }
    }
}

/// `plain_stacks! { mod name { stack } ... shapes { items } }`: as `stacks!`, for the stacks that
/// take a plain `fn` (`#[blocking]`), in `plain_fn`, whose `check()` calls `check()` of each. The
/// body runs on the blocking pool, so the call's future is always `Send`: what is sent there must
/// be `Send`, but not `Sync`.
macro_rules! plain_stacks {
    ($(mod $name:ident { $($stack:tt)* })* shapes $shapes:tt) => {
        mod plain_fn {
            $(
                mod $name {
                    stamp! { [$($stack)*] $shapes }
                }
            )*

            pub fn check() {
                $($name::check();)*
            }
        }
    };
}

plain_stacks! {
    mod blocking { #[taskward::blocking] }
    mod bounded_blocking { #[taskward::bounded(2)] #[taskward::blocking] }
    mod with_timeout_blocking { #[taskward::with_timeout("1s")] #[taskward::blocking] }
    mod graceful_blocking { #[taskward::graceful] #[taskward::blocking] }
    mod supervised_blocking { #[taskward::supervised] #[taskward::blocking] }
    mod all {
        #[taskward::graceful(cancel)]
        #[taskward::supervised]
        #[taskward::bounded(in = crate::POOL)]
        #[taskward::with_timeout("1s")]
        #[taskward::blocking]
    }

    shapes {
        use std::cell::Cell;
        use std::fmt::Display;

        use crate::{NotSync, assert_send};

        /// `Send`, not `Sync`.
        #[derive(Debug, Default, Clone)]
        pub struct Counter {
            calls: Cell<u32>,
        }

        @ {
            pub fn free(x: u32) -> u32 {
                x
            }
        }

        @ {
            pub fn unit() {}
        }

        /// `Cell<u32>` is `Send` but not `Sync`.
        @ {
            pub fn cell_arg(cell: Cell<u32>) -> u32 {
                cell.get()
            }
        }

        @ {
            pub fn generic<T>(t: T) -> usize
            where
                T: Display + Clone + Send + 'static,
            {
                t.to_string().len()
            }
        }

        @ {
            pub fn impl_arg(name: impl Display + Clone + Send + 'static) -> usize {
                name.to_string().len()
            }
        }

        /// A `Send`, not `Sync`, output.
        @ {
            pub fn cell_out(x: u32) -> Cell<u32> {
                Cell::new(x)
            }
        }

        impl Counter {
            /// `Counter` is `Send` but not `Sync`, so an `Arc<Counter>` is not `Send`; a
            /// `Box<Counter>` is.
            @ {
                pub fn by_box(self: Box<Self>) -> u32 {
                    self.calls.get()
                }
            }
        }

        /// For every `T: Send` (not `Sync`), not for one chosen type.
        pub fn check_generic<T: Display + Clone + Send + 'static>(
            t: T,
            name: impl Display + Clone + Send + 'static,
        ) {
            assert_send(&generic(t));
            assert_send(&impl_arg(name));
        }

        pub fn check() {
            assert_send(&free(1));
            assert_send(&unit());
            assert_send(&cell_arg(Cell::new(1)));
            check_generic(NotSync::default(), NotSync::default());
            assert_send(&cell_out(1));
            assert_send(&Box::new(Counter::default()).by_box());
        }
    }
}
pub static RATE: taskward::RateLimit =
    taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

/// A shared adaptive limit for `#[bounded(adaptive, in = ADAPTIVE)]`.
pub static ADAPTIVE: taskward::AdaptiveBulkhead =
    taskward::AdaptiveBulkhead::new(taskward::AdaptiveLimit::new().max(16));

/// `#[coalesce]`: the shared run is polled by whichever caller is polled, on any thread, so its
/// body must be `Send`, and the call's future always is; an argument that is `Send` but not `Sync`
/// is fine outside the key.
mod coalesce_send {
    use std::cell::Cell;

    use super::{NotSync, assert_send};

    #[taskward::coalesce]
    async fn free(x: u32) -> u32 {
        x
    }

    #[taskward::coalesce(key = id)]
    async fn not_sync(id: u32, cell: Cell<u32>, other: NotSync) -> u32 {
        tokio::task::yield_now().await;
        id + cell.get() + other.0.get()
    }

    #[taskward::coalesce]
    #[taskward::retry]
    #[taskward::with_timeout("1s")]
    async fn stacked(x: u32) -> Result<u32, taskward::Error> {
        Ok(x)
    }

    pub fn check() {
        assert_send(&free(1));
        assert_send(&not_sync(1, Cell::new(1), NotSync::default()));
        assert_send(&stacked(1));
    }
}
