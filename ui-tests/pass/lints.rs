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
    unused_import_braces
)]

use std::future::Future;
use std::sync::Arc;

/// A shared bulkhead for `in = POOL`.
pub static POOL: taskward::Bulkhead = taskward::Bulkhead::new(4);

/// A trait implemented with annotated `async fn`s.
pub trait Fetch {
    /// Fetches `key`.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<u32, taskward::Error>> + Send;
}

/// `#[taskward::bounded(2)]` on every shape.
pub mod bounded {
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
    #[taskward::bounded(2)]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::bounded(2)]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::bounded(2)]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::bounded(2)]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::bounded(2)]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::bounded(2)]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::bounded(2)]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::bounded(2)]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::bounded(2)]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::bounded(2)]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::bounded(2)]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::bounded(2)]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::bounded(2)]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::bounded(2)]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::with_timeout("1s")]` on every shape.
pub mod with_timeout {
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
    #[taskward::with_timeout("1s")]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::with_timeout("1s")]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::with_timeout("1s")]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::with_timeout("1s")]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::with_timeout("1s")]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::with_timeout("1s")]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::with_timeout("1s")]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::with_timeout("1s")]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::with_timeout("1s")]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::with_timeout("1s")]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::with_timeout("1s")]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::with_timeout("1s")]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::with_timeout("1s")]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::with_timeout("1s")]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::supervised]` on every shape.
pub mod supervised {
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
    #[taskward::supervised]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::supervised]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::supervised]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::supervised]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::supervised]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::supervised]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::supervised]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::supervised]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::supervised]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::supervised]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::supervised]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::supervised]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::supervised]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::supervised]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::graceful]` on every shape.
pub mod graceful {
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
    #[taskward::graceful]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::graceful]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::graceful]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::graceful]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::graceful]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::graceful]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::graceful]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::graceful]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::graceful]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::graceful]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::graceful]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::graceful]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::graceful]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::graceful]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::graceful]` `#[taskward::supervised]` on every shape.
pub mod graceful_supervised {
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
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::graceful]
    #[taskward::supervised]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::graceful]
    #[taskward::supervised]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::graceful]
        #[taskward::supervised]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::graceful]
        #[taskward::supervised]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::graceful]
        #[taskward::supervised]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::graceful]
        #[taskward::supervised]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::supervised]` `#[taskward::with_timeout("1s")]` on every shape.
pub mod supervised_with_timeout {
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
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::supervised]
    #[taskward::with_timeout("1s")]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::supervised]
        #[taskward::with_timeout("1s")]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::supervised]
        #[taskward::with_timeout("1s")]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::supervised]
        #[taskward::with_timeout("1s")]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::supervised]
        #[taskward::with_timeout("1s")]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::graceful]` `#[taskward::bounded(2)]` on every shape.
pub mod graceful_bounded {
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
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::graceful]
    #[taskward::bounded(2)]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::graceful]
        #[taskward::bounded(2)]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::graceful]
        #[taskward::bounded(2)]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::graceful]
        #[taskward::bounded(2)]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::graceful]
        #[taskward::bounded(2)]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::bounded(2)]` `#[taskward::with_timeout("1s")]` on every shape.
pub mod bounded_with_timeout {
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
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn unit() {}

    /// A `Result` with taskward's error.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
    #[taskward::bounded(2)]
    #[taskward::with_timeout("1s")]
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
        #[taskward::bounded(2)]
        #[taskward::with_timeout("1s")]
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
        #[taskward::bounded(2)]
        #[taskward::with_timeout("1s")]
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
        #[taskward::bounded(2)]
        #[taskward::with_timeout("1s")]
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
        #[taskward::bounded(2)]
        #[taskward::with_timeout("1s")]
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// `#[taskward::graceful(cancel, in = taskward::Shutdown::global())]` `#[taskward::supervised(restarts = 3, within = "10s", backoff = "10ms..1s", jitter = false, restart = "on_failure")]` `#[taskward::bounded(in = super::POOL, wait = "10ms")]` `#[taskward::with_timeout(core::time::Duration::from_millis(1500))]` on every shape.
pub mod options {
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
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    /// No return type.
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
    pub async fn unit() {}

    /// A `Result` with taskward's error.
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
    pub async fn result(x: u32) -> Result<u32, Error> {
        Ok(x)
    }

    /// Borrowed arguments, an elided and a named lifetime.
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
    pub async fn borrowed<'a>(key: &str, a: &'a str, b: &'a str) -> usize {
        key.len() + a.len() + b.len()
    }

    /// Generics with a where clause.
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
    pub async fn generic<T, U>(t: T, u: U) -> String
    where
        T: Display + Clone + Send + Sync,
        U: Display + Clone + Send + Sync,
    {
        format!("{t}{u}")
    }

    /// An `impl Trait` argument.
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
    pub async fn impl_arg(name: impl Display + Clone + Send + Sync) -> String {
        name.to_string()
    }

    /// Pattern arguments and a `mut` binding.
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
    pub async fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    /// `#[tracing::instrument]` above.
    #[tracing::instrument]
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
    pub async fn instrumented_above(x: u32) -> u32 {
        x
    }

    /// `#[tracing::instrument]` below.
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
    #[tracing::instrument]
    pub async fn instrumented_below(x: u32) -> u32 {
        x
    }

    /// A `use` in the body that shadows a name of the signature.
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
    pub async fn use_inside() -> Result<u8, Error> {
        use std::io::Error;
        Ok(Error::other("a name of the body")
            .raw_os_error()
            .map_or(1, |_| 0))
    }

    impl Service {
        /// `&self`.
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
        pub async fn by_ref(&self, x: u32) -> u32 {
            self.calls + x
        }

        /// `&mut self`.
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
        pub async fn by_mut(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }

        /// `self: Arc<Self>`.
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
        pub async fn by_arc(self: Arc<Self>) -> u32 {
            self.calls
        }
    }

    impl Fetch for Service {
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
        async fn fetch(&self, key: &str) -> Result<u32, Error> {
            Ok(self.calls + u32::from(key.is_empty()))
        }
    }
}

/// Builds every future without running it.
fn main() {
    {
        use bounded as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use with_timeout as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use supervised as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use graceful as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use graceful_supervised as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use supervised_with_timeout as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use graceful_bounded as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use bounded_with_timeout as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
    {
        use options as m;
        let mut service = m::Service::default();
        drop(m::free(1));
        drop(m::unit());
        drop(m::result(1));
        drop(m::borrowed("k", "a", "b"));
        drop(m::generic(1, "u"));
        drop(m::impl_arg("name"));
        drop(m::patterns((1, 2), vec![0]));
        drop(m::instrumented_above(1));
        drop(m::instrumented_below(1));
        drop(m::use_inside());
        drop(service.by_ref(1));
        drop(Fetch::fetch(&service, "k"));
        drop(service.by_mut());
        drop(Arc::new(service).by_arc());
    }
}
