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
