//! `#[retry]` alone, with nothing below it that can fail, on every shape of function (each
//! returning a `Result`, as it must), under the strictest rustc lints of `lints.rs`: its own
//! filters (`on` with bindings and guards of no kind, `when` as a function and as a method), and
//! futures that are `Send` exactly when the body's are (`send.rs`'s checks).
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

use std::cell::Cell;
use std::fmt::Display;
use std::future::Future;

/// The error of the functions below.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// Retried.
    Timeout,
    /// Retried when `transient` says so.
    Io(u16),
    /// Not retried.
    NotFound,
}

impl FetchError {
    /// Whether retrying may help.
    pub fn is_transient(&self) -> bool {
        !matches!(self, FetchError::NotFound)
    }
}

impl From<taskward::Error> for FetchError {
    fn from(_: taskward::Error) -> Self {
        FetchError::Timeout
    }
}

/// A crate's own alias of `Result`.
pub type FetchResult<T> = Result<T, FetchError>;

/// `Send`, `Clone` and `Display`, not `Sync`.
#[derive(Debug, Default, Clone)]
pub struct NotSync(Cell<u32>);

impl Display for NotSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.get())
    }
}

/// A predicate for `when`.
pub fn transient(err: &FetchError) -> bool {
    err.is_transient()
}

fn assert_send<T: Send>(_: &T) {}

/// A trait implemented with annotated `async fn`s.
pub trait Fetch {
    /// Fetches `key`.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<u32, FetchError>> + Send;
}

/// See `lints.rs`.
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

/// See `lints.rs`.
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
    mod retry { #[taskward::retry] }
    mod retry_on { #[taskward::retry(on = FetchError::Timeout | FetchError::Io(500..=599))] }
    mod retry_when { #[taskward::retry(when = super::transient, budget = false)] }
    mod retry_on_when_method {
        #[taskward::retry(
            attempts = 4,
            backoff = "1ms..10ms",
            jitter = false,
            on = FetchError::Io(_),
            when = FetchError::is_transient,
            total = "1s",
            budget = 0.5
        )]
    }
    mod with_timeout_retry { #[taskward::with_timeout("5s")] #[taskward::retry] }
    mod graceful_retry_bounded { #[taskward::graceful] #[taskward::retry] #[taskward::bounded(2)] }

    shapes {
        use std::cell::Cell;
        use std::fmt::Display;
        use std::sync::Arc;

        use super::{Fetch, FetchError, FetchResult, NotSync, assert_send};

        /// A service with methods.
        #[derive(Debug, Default)]
        pub struct Service {
            calls: u32,
        }

        /// `Send`, not `Sync`.
        #[derive(Debug, Default)]
        pub struct Counter {
            calls: Cell<u32>,
        }

        /// A free function.
        @ {
            pub async fn free(x: u32) -> Result<u32, FetchError> {
                tokio::task::yield_now().await;
                Ok(x + 1)
            }
        }

        /// An alias of `Result`.
        @ {
            pub async fn aliased(x: u8) -> FetchResult<u8> {
                Ok(x)
            }
        }

        /// Borrowed arguments, an elided and a named lifetime.
        @ {
            pub async fn borrowed<'a>(key: &str, a: &'a str) -> Result<&'a str, FetchError> {
                if key.is_empty() { Err(FetchError::NotFound) } else { Ok(a) }
            }
        }

        /// Generics with a where clause, `Send` but not `Sync`.
        @ {
            pub async fn generic<T>(t: T) -> Result<String, FetchError>
            where
                T: Display + Clone + Send,
            {
                tokio::task::yield_now().await;
                Ok(t.to_string())
            }
        }

        /// An `impl Trait` argument.
        @ {
            pub async fn impl_arg(name: impl Display + Clone + Send) -> Result<String, FetchError> {
                Ok(name.to_string())
            }
        }

        /// `impl Trait` in the `Result`.
        @ {
            pub async fn impl_in_result(x: u32) -> Result<impl Display + use<>, FetchError> {
                Ok(x)
            }
        }

        /// `Cell<u32>` is `Send` but not `Sync`.
        @ {
            pub async fn cell_arg(cell: Cell<u32>) -> Result<u32, FetchError> {
                tokio::task::yield_now().await;
                Ok(cell.get())
            }
        }

        /// Pattern arguments, a `mut` binding, a `&mut` pattern and a `#[cfg]` parameter.
        @ {
            pub async fn patterns(
                (a, b): (u8, u8),
                mut v: Vec<u8>,
                (c, _): &mut (u8, u8),
                #[cfg(any())] removed: u8,
            ) -> Result<Vec<u8>, FetchError> {
                *c += 1;
                v.push(a + b + *c);
                Ok(v)
            }
        }

        /// `#[tracing::instrument]` above (the `span_per_retry` lint says what this order
        /// means; acknowledged here).
        #[allow(deprecated)]
        #[tracing::instrument]
        @ {
            pub async fn instrumented_above(x: u32) -> Result<u32, FetchError> {
                Ok(x)
            }
        }

        /// `#[tracing::instrument]` below.
        @ {
            #[tracing::instrument]
            pub async fn instrumented_below(x: u32) -> Result<u32, FetchError> {
                Ok(x)
            }
        }

        /// A one-line body, and a `use` in the body that shadows a name of the signature.
        @ {
            pub async fn one_line() -> Result<u32, FetchError> { Ok(1) }
        }

        /// A `use` inside the body.
        @ {
            pub async fn use_inside() -> Result<u8, FetchError> {
                use std::io::Error as FetchError;
                Ok(FetchError::other("a name of the body").raw_os_error().map_or(1, |_| 0))
            }
        }

        impl Service {
            /// `&self`.
            @ {
                pub async fn by_ref(&self, x: u32) -> Result<u32, FetchError> {
                    Ok(self.calls + x)
                }
            }

            /// `&mut self`.
            @ {
                pub async fn by_mut(&mut self) -> Result<u32, FetchError> {
                    self.calls += 1;
                    if self.calls < 2 { Err(FetchError::Timeout) } else { Ok(self.calls) }
                }
            }

            /// `self: Pin<&mut Self>`.
            @ {
                pub async fn pinned(self: std::pin::Pin<&mut Self>, x: u32) -> Result<u32, FetchError> {
                    Ok(self.calls + x)
                }
            }

            /// `self: Arc<Self>`.
            @ {
                pub async fn by_arc(self: Arc<Self>) -> Result<u32, FetchError> {
                    Ok(self.calls)
                }
            }
        }

        impl Counter {
            /// `Send` but not `Sync`: `&mut self` keeps the body's future `Send`.
            @ {
                pub async fn counted(&mut self) -> Result<u32, FetchError> {
                    tokio::task::yield_now().await;
                    *self.calls.get_mut() += 1;
                    Ok(*self.calls.get_mut())
                }
            }
        }

        impl Fetch for Service {
            @ {
                async fn fetch(&self, key: &str) -> Result<u32, FetchError> {
                    Ok(self.calls + u32::from(key.is_empty()))
                }
            }
        }

        /// For every `T: Send` (not `Sync`), not for one chosen type.
        pub fn check_generic<T: Display + Clone + Send>(t: T, name: impl Display + Clone + Send) {
            assert_send(&generic(t));
            assert_send(&impl_arg(name));
        }

        /// Builds every future without running it, and checks it is `Send`.
        pub fn build() {
            let mut service = Service::default();
            let mut counter = Counter::default();
            assert_send(&free(1));
            assert_send(&aliased(1));
            assert_send(&impl_in_result(1));
            assert_send(&borrowed("k", "a"));
            check_generic(NotSync::default(), NotSync::default());
            assert_send(&cell_arg(Cell::new(1)));
            assert_send(&patterns((1, 2), vec![0], &mut (1, 2)));
            assert_send(&instrumented_above(1));
            assert_send(&instrumented_below(1));
            assert_send(&one_line());
            assert_send(&use_inside());
            drop(std::pin::pin!(Service::default()).pinned(1));
            assert_send(&service.by_ref(1));
            assert_send(&Fetch::fetch(&service, "k"));
            assert_send(&service.by_mut());
            assert_send(&counter.counted());
            assert_send(&Arc::new(service).by_arc());
        }
    }
}
