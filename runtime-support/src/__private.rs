//! What generated code calls. Not a public API: names and signatures change without notice.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::bulkhead::{Bulkhead, Permit};
use crate::duration::DisplayDuration;
use crate::error::Error;

pub use core::result::Result::{Err, Ok};

/// What a wrapper knows of the function it wraps; one `static` per annotated function.
#[derive(Debug)]
pub struct Meta {
    /// `module::path::name` of the annotated function.
    pub function: &'static str,
}

impl Meta {
    #[must_use]
    pub const fn new(function: &'static str) -> Self {
        Meta { function }
    }
}

// ---------------------------------------------------------------------------------------------
// #[bounded]

/// Waits for a permit of `bulkhead` (the fast path takes a free one without a clock read).
#[inline]
pub async fn acquire(bulkhead: &'static Bulkhead, meta: &'static Meta) -> Permit<'static> {
    if let Some(permit) = bulkhead.try_acquire() {
        return permit;
    }
    let started = tokio::time::Instant::now();
    let permit = bulkhead.wait_for_permit().await;
    waited(bulkhead, meta, started.elapsed());
    permit
}

/// Like [`acquire`], but gives up after `wait` with [`Error::Rejected`] (`wait` zero: at once).
#[inline]
pub async fn acquire_within(
    bulkhead: &'static Bulkhead,
    meta: &'static Meta,
    wait: Duration,
) -> Result<Permit<'static>, Error> {
    if let Some(permit) = bulkhead.try_acquire() {
        return Ok(permit);
    }
    let started = tokio::time::Instant::now();
    let acquired = if wait.is_zero() {
        None
    } else {
        tokio::time::timeout(wait, bulkhead.wait_for_permit())
            .await
            .ok()
    };
    match acquired {
        Some(permit) => {
            waited(bulkhead, meta, started.elapsed());
            Ok(permit)
        }
        None => Err(rejected(bulkhead, meta, started.elapsed())),
    }
}

#[cold]
fn waited(bulkhead: &Bulkhead, meta: &Meta, waited: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        waited = %DisplayDuration(waited),
        limit = bulkhead.limit(),
        "waited for a permit"
    );
}

#[cold]
fn rejected(bulkhead: &Bulkhead, meta: &'static Meta, waited: Duration) -> Error {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = bulkhead.limit(),
        in_flight = bulkhead.in_flight(),
        waited = %DisplayDuration(waited),
        "rejected: no permit free"
    );
    Error::rejected(meta.function, bulkhead.limit(), waited)
}

// ---------------------------------------------------------------------------------------------
// #[with_timeout]

/// Runs `fut` with a deadline of `limit` from now; at the deadline `fut` is dropped.
#[inline]
pub fn timeout<F: Future>(meta: &'static Meta, limit: Duration, fut: F) -> Timeout<F> {
    Timeout {
        inner: tokio::time::timeout(limit, fut),
        meta,
        limit,
    }
}

pin_project_lite::pin_project! {
    /// The future of a `#[with_timeout]` call: tokio's `Timeout`, with the failure as an [`Error`].
    /// A named future rather than an `async fn`, so that the body's future is stored once, inline.
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        meta: &'static Meta,
        limit: Duration,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(output)) => Poll::Ready(Ok(output)),
            Poll::Ready(Err(_elapsed)) => Poll::Ready(Err(timed_out(this.meta, *this.limit))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cold]
fn timed_out(meta: &'static Meta, limit: Duration) -> Error {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = %DisplayDuration(limit),
        "timed out"
    );
    Error::timeout(meta.function, limit)
}

/// Joins a wrapper's failure with the failure of the wrappers inside it.
#[inline]
pub fn flatten<T>(result: Result<Result<T, Error>, Error>) -> Result<T, Error> {
    match result {
        Ok(inner) => inner,
        Err(err) => Err(err),
    }
}

// ---------------------------------------------------------------------------------------------
// Describing a body's error for a tracing event: its Display if it has one, else its Debug, else
// its type name (autoref specialisation: the generated code calls the method on `&&&Describe`).

pub struct Describe<'a, T>(pub &'a T);

/// What a body's error is described as.
pub enum Described<'a> {
    Display(&'a dyn core::fmt::Display),
    Debug(&'a dyn core::fmt::Debug),
    Other(&'static str),
}

impl core::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Described::Display(err) => err.fmt(f),
            Described::Debug(err) => write!(f, "{err:?}"),
            Described::Other(name) => write!(f, "an error of type `{name}`"),
        }
    }
}

pub trait DescribeDisplay<'a> {
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T: core::fmt::Display> DescribeDisplay<'a> for &&Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Display(self.0)
    }
}

pub trait DescribeDebug<'a> {
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T: core::fmt::Debug> DescribeDebug<'a> for &Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Debug(self.0)
    }
}

pub trait DescribeOther<'a> {
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T> DescribeOther<'a> for Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Other(core::any::type_name::<T>())
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures: carrying a taskward::Error in the user's error type.

/// The return type of a `Result`-returning annotated function (any alias of `Result` included).
pub trait ResultLike {
    type Err;
    fn from_err(err: Self::Err) -> Self;
}

impl<T, E> ResultLike for Result<T, E> {
    type Err = E;
    #[inline]
    fn from_err(err: E) -> Self {
        Err(err)
    }
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry a `taskward::Error`",
    label = "this error type needs `From<taskward::Error>`",
    note = "a taskward attribute that can fail returns its failure through the function's own error type",
    note = "add `impl From<taskward::Error> for {Self}`, or with thiserror a variant `#[error(transparent)] Taskward(#[from] taskward::Error)`; or return a type that is not a `Result`, which the attribute turns into `Result<T, taskward::Error>`"
)]
pub trait CarriesError: From<Error> {}
impl<E: From<Error>> CarriesError for E {}

/// Turns a wrapper's failure into the function's own return type.
#[inline]
#[must_use]
pub fn fail<R>(err: Error) -> R
where
    R: ResultLike,
    R::Err: CarriesError,
{
    R::from_err(<R::Err as From<Error>>::from(err))
}

/// A support trait for arguments of a body that runs more than once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must be `Clone`: the body of this function runs again with a fresh copy of each argument",
    label = "this argument is not `Clone`",
    note = "derive or implement `Clone` for it, pass it by reference, or wrap it in an `Arc`; for an `impl Trait` argument write `impl Trait + Clone`"
)]
pub trait RerunArg: Clone {}
impl<T: Clone> RerunArg for T {}

/// A fresh copy of an argument for the next run of the body.
#[inline]
#[must_use]
pub fn rerun_arg<T: RerunArg>(arg: &T) -> T {
    arg.clone()
}

// ---------------------------------------------------------------------------------------------
// #[graceful] and #[supervised]

pub use crate::shutdown::{Shutdown, graceful};
pub use crate::supervise::{Backoff, Panic, RestartBudget, SupervisePolicy, Supervisor};
