//! Signatures: carrying a `taskward::Error` in the user's error type, and joining the failures of
//! stacked wrappers.

use crate::error::Error;

/// Joins a wrapper's failure with the failure of the wrappers inside it.
#[inline]
pub fn flatten<T>(result: Result<Result<T, Error>, Error>) -> Result<T, Error> {
    match result {
        Ok(inner) => inner,
        Err(err) => Err(err),
    }
}

/// The return type of a `Result`-returning annotated function (any alias of `Result` included).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named like a `Result`, but it is not one",
    label = "taskward reads a return type whose name ends in `Result` as a `Result`",
    note = "a taskward attribute that can fail returns its failure through the function's `Result`, so it must know whether the return type is one; it goes by the name",
    note = "if `{Self}` is not a `Result`, import it under a name that does not end in `Result` (`use path::Result as Answer;`), and the attribute returns `Result<Answer, taskward::Error>`"
)]
pub trait ResultLike {
    /// The error type.
    type Err;
    /// The failure `err`, as this type.
    fn from_err(err: Self::Err) -> Self;
}

impl<T, E> ResultLike for Result<T, E> {
    type Err = E;
    #[inline]
    fn from_err(err: E) -> Self {
        Err(err)
    }
}

/// An error type that a `taskward::Error` converts into: the bound of [`fail`], with its own message.
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

/// The failure as the `fallback` of a function returning `R` (a `Result`) takes it: its error type.
#[inline]
#[must_use]
pub fn fallback_error<R>(err: Error) -> R::Err
where
    R: ResultLike,
    R::Err: CarriesError,
{
    <R::Err as From<Error>>::from(err)
}

/// The check that a return type taskward wraps (`T` becomes `Result<T, taskward::Error>`) is not
/// itself a `Result` under a name that does not end in `Result`, which would be wrapped twice:
/// generated code calls `PlainOutput::<T>::new().check()`, which for a `Result` is the inherent
/// method below, whose bound fails with a message, and for any other type the no-op of
/// [`PlainCheck`].
pub struct PlainOutput<T: ?Sized>(core::marker::PhantomData<T>);

impl<T: ?Sized> PlainOutput<T> {
    /// The check for `T`.
    #[inline]
    #[must_use]
    pub const fn new() -> Self {
        PlainOutput(core::marker::PhantomData)
    }
}

impl<T: ?Sized> Default for PlainOutput<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E> PlainOutput<Result<T, E>> {
    /// Fails to compile, with [`NamedResult`]'s message: a `Result` under another name.
    #[inline]
    pub fn check(&self)
    where
        Result<T, E>: NamedResult,
    {
    }
}

/// The check of [`PlainOutput`] for a type that is not a `Result`: nothing.
pub trait PlainCheck {
    /// Nothing.
    #[inline]
    fn check(&self) {}
}

impl<T: ?Sized> PlainCheck for PlainOutput<T> {}

/// Implemented by no type: the bound that makes [`PlainOutput::check`] fail for a `Result` whose
/// name does not say so.
#[diagnostic::on_unimplemented(
    message = "this function returns a `Result` (`{Self}`) under a name that does not end in `Result`",
    label = "taskward would wrap it in another `Result`",
    note = "taskward reads a return type whose name ends in `Result` as a `Result`, and adds its failure to the error type; it would turn any other type `T` into `Result<T, taskward::Error>`",
    note = "write the return type with a name ending in `Result` (`Result<T, E>`, or an alias such as `type FetchResult<T> = Result<T, FetchError>;`), so that the failure goes into your error type"
)]
pub trait NamedResult {}
