//! Lint regression: every shape under every attribute and the common stacks, with the strictest
//! rustc lints a user may deny. Each `#[allow]` in generated code must be covered here.
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

/// A `const` limit, of type `usize`.
pub const LIMIT: usize = 3;

/// A `const` limit of another unsigned type.
pub const SMALL_LIMIT: u8 = 3;

/// A shared bulkhead for `in = POOL`.
pub static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

/// A predicate for `#[retry(when = ..)]`.
pub fn transient(err: &taskward::Error) -> bool {
    !err.is_shutdown()
}
/// A shared circuit breaker for `in = BREAKER`.
pub static BREAKER: taskward::Breaker = taskward::Breaker::new().failures(3);

/// A trait implemented with annotated `async fn`s.
pub trait Fetch {
    /// Fetches `key`.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<u32, taskward::Error>> + Send;
}

/// `stacks! { mod name { stack } ... shapes { items } }` writes a `pub mod name { items }` for each
/// stack, in which `@ { fn }` is `fn` with the stack where the `@` is, and a `main` that calls
/// `build()` of each module.
///
/// The shapes are the macro's input, not its body, so that they keep the spans of this file as a
/// user's code would: rustc skips tokens written in a `macro_rules!` body for some lints
/// (`unused_qualifications`), and the expansion puts the user's spans on code of its own.
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
            plain_fn::build();
            coalesce_shapes::build();
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
    mod bounded_const { #[taskward::bounded(super::LIMIT)] }
    mod bounded_u8_const { #[taskward::bounded(super::SMALL_LIMIT)] }
    mod with_timeout { #[taskward::with_timeout("1s")] }
    mod supervised { #[taskward::supervised] }
    mod graceful { #[taskward::graceful] }
    mod graceful_supervised { #[taskward::graceful] #[taskward::supervised] }
    mod supervised_with_timeout { #[taskward::supervised] #[taskward::with_timeout("1s")] }
    mod graceful_bounded { #[taskward::graceful] #[taskward::bounded(2)] }
    mod bounded_with_timeout { #[taskward::bounded(2)] #[taskward::with_timeout("1s")] }
    mod options {
        #[taskward::graceful(cancel, in = taskward::Shutdown::global())]
        #[taskward::supervised(
            restarts = 3,
            within = "10s",
            backoff = "10ms..1s",
            jitter = false,
            restart = "on_failure"
        )]
        #[taskward::bounded(in = super::POOL, wait = "10ms")]
        #[taskward::with_timeout(core::time::Duration::from_millis(1500))]
    }
    mod retry_with_timeout { #[taskward::retry] #[taskward::with_timeout("1s")] }
    mod with_timeout_retry {
        #[taskward::with_timeout("5s")]
        #[taskward::retry(budget = false)]
        #[taskward::with_timeout("1s")]
    }
    mod retry_options {
        #[taskward::graceful]
        #[taskward::retry(
            attempts = 5,
            backoff = "10ms..1s",
            jitter = false,
            on = Error::Timeout { .. } | Error::Rejected { .. },
            when = super::transient,
            total = "10s",
            budget = 0.1
        )]
        #[taskward::bounded(2, wait = "10ms")]
    }
    mod rate_limited { #[taskward::rate_limited(10, per = "1s")] }
    mod rate_limited_const { #[taskward::rate_limited(super::CALLS, per = "1m", burst = 1)] }
    mod rate_limited_options {
        #[taskward::graceful]
        #[taskward::rate_limited(in = super::RATE, wait = "10ms")]
        #[taskward::supervised]
        #[taskward::with_timeout("1s")]
    }
    mod circuit_breaker { #[taskward::circuit_breaker] }
    mod circuit_breaker_options {
        #[taskward::circuit_breaker(
            failures = 3,
            rate = 0.5,
            window = 20,
            min_calls = 10,
            reset = "10s",
            half_open = 2
        )]
        #[taskward::with_timeout("1s")]
    }
    mod circuit_breaker_shared {
        #[taskward::bounded(2)]
        #[taskward::circuit_breaker(in = super::BREAKER)]
    }
    mod supervised_circuit_breaker { #[taskward::supervised] #[taskward::circuit_breaker] }
    mod check { #[taskward::check] }
    mod check_bounded { #[taskward::check(allow(blocking))] #[taskward::bounded(2)] }

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
        use std::fmt::Display;
        use std::sync::Arc;

        use taskward::Error;

        use super::Fetch;

        /// A service with methods.
        #[derive(Debug, Default)]
        pub struct Service {
            calls: u32,
        }

        /// A free function.
        @ {
            pub async fn free(x: u32) -> u32 {
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

        /// Generics with a where clause.
        @ {
            pub async fn generic<T, U>(t: T, u: U) -> String
            where
                T: Display + Clone + Send + Sync,
                U: Display + Clone + Send + Sync,
            {
                format!("{t}{u}")
            }
        }

        /// An `impl Trait` argument.
        @ {
            pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
                name.to_string()
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

        /// `#[tracing::instrument]` above (for the stacks with `#[supervised]`, the
        /// `span_per_restart` lint says so, acknowledged here).
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

        /// A `mut` binding of a shared slice, a pattern over a `&mut` tuple, and a parameter
        /// removed by `#[cfg]`.
        @ {
            pub async fn arguments(
                mut bytes: &[u8],
                (a, b): &mut (u8, u8),
                #[cfg(any())] removed: u8,
                #[cfg(all())] kept: u8,
            ) -> usize {
                bytes = &bytes[1..];
                *a += 1;
                bytes.len() + usize::from(*a + *b + kept)
            }
        }

        /// A `use` in the body that shadows a name of the signature.
        @ {
            pub async fn use_inside() -> Result<u8, Error> {
                use std::io::Error;
                Ok(Error::other("a name of the body")
                    .raw_os_error()
                    .map_or(1, |_| 0))
            }
        }

        impl Service {
            /// `&self`.
            @ {
                pub async fn by_ref(&self, x: u32) -> u32 {
                    self.calls + x
                }
            }

            /// `&mut self`.
            @ {
                pub async fn by_mut(&mut self) -> u32 {
                    self.calls += 1;
                    self.calls
                }
            }

            /// `self: Pin<&mut Self>`.
            @ {
                pub async fn pinned(self: std::pin::Pin<&mut Self>, x: u32) -> u32 {
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

        /// Builds every future without running it.
        pub fn build() {
            let mut service = Service::default();
            drop(free(1));
            drop(unit());
            drop(result(1));
            drop(borrowed("k", "a", "b"));
            drop(generic(1, "u"));
            drop(impl_arg("name"));
            drop(patterns((1, 2), vec![0]));
            drop(instrumented_above(1));
            drop(instrumented_below(1));
            drop(use_inside());
            drop(one_line());
            drop(impl_in_result(1));
            drop(arguments(&[1, 2], &mut (1, 2), 3));
            drop(std::pin::pin!(Service::default()).pinned(1));
            drop(service.by_ref(1));
            drop(Fetch::fetch(&service, "k"));
            drop(service.by_mut());
            drop(Arc::new(service).by_arc());
        }
    }
}

/// `plain_stacks! { mod name { stack } ... shapes { items } }`: as `stacks!`, for the stacks that
/// take a plain `fn` (`#[blocking]`), in `plain_fn`, whose `build()` calls `build()` of each.
macro_rules! plain_stacks {
    ($(mod $name:ident { $($stack:tt)* })* shapes $shapes:tt) => {
        /// The stacks that take a plain `fn`.
        pub mod plain_fn {
            $(
                #[doc = concat!("The shapes under `", stringify!($($stack)*), "`.")]
                pub mod $name {
                    stamp! { [$($stack)*] $shapes }
                }
            )*

            /// Builds every future without running it.
            pub fn build() {
                $($name::build();)*
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
        #[taskward::supervised(restarts = 3, backoff = "10ms..1s")]
        #[taskward::bounded(in = crate::POOL, wait = "10ms")]
        #[taskward::with_timeout("1s")]
        #[taskward::blocking]
    }
    mod check_blocking { #[taskward::check] #[taskward::blocking] }

    shapes {
        use std::fmt::Display;
        use std::sync::Arc;

        use taskward::Error;

        /// A service with methods.
        #[derive(Debug, Default, Clone)]
        pub struct Service {
            calls: u32,
        }

        /// A trait whose method an annotated plain `fn` implements.
        pub trait Count {
            /// Counts.
            fn count(self: Arc<Self>, key: String) -> impl Future<Output = Result<usize, Error>> + Send;
        }

        /// A free function.
        @ {
            pub fn free(x: u32) -> u32 {
                x + 1
            }
        }

        /// No return type.
        @ {
            pub fn unit() {}
        }

        /// A `Result` with taskward's error, `?` and `return`.
        @ {
            pub fn result(x: String) -> Result<u32, Error> {
                if x.is_empty() {
                    return Ok(0);
                }
                let n: u32 = x.parse().map_err(|_| Error::circuit_open("x"))?;
                Ok(n)
            }
        }

        /// Generics with a where clause.
        @ {
            pub fn generic<T, U>(t: T, u: U) -> String
            where
                T: Display + Clone + Send + 'static,
                U: Display + Clone + Send + 'static,
            {
                format!("{t}{u}")
            }
        }

        /// An `impl Trait` argument.
        @ {
            pub fn impl_arg(name: impl Display + Clone + Send + 'static) -> String {
                name.to_string()
            }
        }

        /// Pattern arguments, a `mut` binding, and `'static` references.
        @ {
            pub fn patterns((a, b): (u8, u8), mut v: Vec<u8>, name: &'static str) -> Vec<u8> {
                v.push(a);
                v.push(b);
                v.push(u8::try_from(name.len()).unwrap_or(0));
                v
            }
        }

        /// `#[tracing::instrument]` above (for the stacks with `#[supervised]`, the
        /// `span_per_restart` lint says so, acknowledged here).
        #[allow(deprecated)]
        #[tracing::instrument]
        @ {
            pub fn instrumented_above(x: u32) -> u32 {
                x
            }
        }

        /// `#[tracing::instrument]` below.
        @ {
            #[tracing::instrument]
            pub fn instrumented_below(x: u32) -> u32 {
                x
            }
        }

        /// One-line bodies (no `unused_braces` from the wrapper).
        @ {
            pub fn one_line() -> u32 { 1 }
        }

        /// `impl Trait` inside a `Result`.
        @ {
            pub fn impl_in_result(x: u32) -> Result<impl Display + Send + use<>, Error> {
                Ok(x)
            }
        }

        /// A parameter removed by `#[cfg]`, one kept, an `impl Trait` one removed.
        @ {
            pub fn arguments(
                #[cfg(any())] removed: u8,
                #[cfg(any())] removed_impl: impl Display + Clone + Send + 'static,
                #[cfg(all())] kept: u8,
            ) -> u8 {
                kept
            }
        }

        /// A `use` in the body that shadows a name of the signature.
        @ {
            pub fn use_inside() -> Result<u8, Error> {
                use std::io::Error;
                Ok(Error::other("a name of the body")
                    .raw_os_error()
                    .map_or(1, |_| 0))
            }
        }

        impl Service {
            /// `self: Arc<Self>`.
            @ {
                pub fn by_arc(self: Arc<Self>, x: u32) -> u32 {
                    self.calls + x
                }
            }
        }

        impl Count for Service {
            @ {
                fn count(self: Arc<Self>, key: String) -> Result<usize, Error> {
                    Ok(key.len() + self.calls as usize)
                }
            }
        }

        /// Builds every future without running it.
        pub fn build() {
            let service = Arc::new(Service::default());
            drop(free(1));
            drop(unit());
            drop(result(String::new()));
            drop(generic(1, "u"));
            drop(impl_arg("name"));
            drop(patterns((1, 2), vec![0], "n"));
            drop(instrumented_above(1));
            drop(instrumented_below(1));
            drop(one_line());
            drop(impl_in_result(1));
            drop(arguments(3));
            drop(use_inside());
            drop(service.clone().by_arc(1));
            drop(Count::count(service, String::new()));
        }
    }
}
/// A `const` number of calls for `#[rate_limited]`.
pub const CALLS: u32 = 5;

/// A shared rate limit for `in = RATE`.
pub static RATE: taskward::RateLimit =
    taskward::RateLimit::new(10, std::time::Duration::from_secs(1)).with_burst(2);

/// A shared adaptive limit for `#[bounded(adaptive, in = ADAPTIVE)]`.
pub static ADAPTIVE: taskward::AdaptiveBulkhead =
    taskward::AdaptiveBulkhead::new(taskward::AdaptiveLimit::new().max(16));

/// `#[coalesce]`: the shapes it takes (owned arguments, no `self`, not generic), alone and over
/// the common stacks.
pub mod coalesce_shapes {
    use taskward::{Error, coalesce};

    /// An argument with an id.
    #[derive(Debug, Clone)]
    pub struct User {
        id: u64,
        name: String,
    }

    /// A free function.
    #[coalesce]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No arguments, no return type.
    #[coalesce]
    pub async fn unit() {}

    /// A one-line body.
    #[coalesce]
    pub async fn one_line(x: u32) -> u32 { x }

    /// A `Result` with taskward's error, and a `mut` binding.
    #[coalesce]
    pub async fn result(mut name: String) -> Result<usize, Error> {
        name.push('!');
        Ok(name.len())
    }

    /// `key = ..` over a field, pattern arguments.
    #[coalesce(key = user.id)]
    pub async fn keyed(user: User, (a, b): (u8, u8)) -> String {
        format!("{}{a}{b}", user.name)
    }

    /// A `&'static` argument.
    #[coalesce]
    pub async fn static_str(name: &'static str) -> usize {
        name.len()
    }

    /// `#[tracing::instrument]` above and below.
    #[tracing::instrument]
    #[coalesce]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[coalesce]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// Over the other attributes.
    #[coalesce]
    #[taskward::retry(attempts = 2, backoff = "10ms..20ms")]
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn stacked(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// An associated function.
    #[derive(Debug)]
    pub struct Service;

    impl Service {
        /// No `self`.
        #[coalesce(key = id)]
        pub async fn associated(id: u64, label: String) -> String {
            format!("{id}{label}")
        }
    }

    /// Builds every future without running it.
    pub fn build() {
        drop(free(1));
        drop(unit());
        drop(one_line(1));
        drop(result(String::new()));
        drop(keyed(
            User {
                id: 1,
                name: String::new(),
            },
            (1, 2),
        ));
        drop(static_str("a"));
        drop(instrumented_above(1));
        drop(instrumented_below(1));
        drop(stacked(1));
        drop(Service::associated(1, String::new()));
    }
}
