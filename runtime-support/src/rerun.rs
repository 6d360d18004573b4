//! Arguments of a body that runs again: the support shared by every attribute that runs a body
//! more than once (`#[supervised]`, `#[retry]` and `#[hedged]`).

/// A support trait for arguments of a body that runs more than once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must be `Clone`: the body of this function runs on a fresh copy of each argument (it runs again, or the arguments go on to its fallback)",
    label = "this argument is not `Clone`",
    note = "derive or implement `Clone` for it, pass it by reference, or wrap it in an `Arc`; for an `impl Trait` argument write `impl Trait + Clone`"
)]
pub trait RerunArg: Clone {}
impl<T: Clone> RerunArg for T {}

/// [`RerunArg`] for a type made of others (`Vec<Job>`, `Option<Job>`, a tuple): the same message,
/// on the whole type. Its impl is not recommended, so that rustc reports `Vec<Job>: RerunNested`
/// with this message rather than the `Job: Clone` deep inside it with none. (On a plain type,
/// `RerunArg` keeps rustc's own suggestion, `#[derive(Clone)]` or `+ Clone`.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` must be `Clone`: the body of this function runs on a fresh copy of each argument (it runs again, or the arguments go on to its fallback)",
    label = "this argument is not `Clone`",
    note = "derive or implement `Clone` for the types in it, pass it by reference, or wrap it in an `Arc`"
)]
pub trait RerunNested: Clone {}
#[diagnostic::do_not_recommend]
impl<T: Clone> RerunNested for T {}

/// A fresh copy of an argument for the next run of the body.
#[inline]
#[must_use]
pub fn rerun_arg<T: RerunArg>(arg: &T) -> T {
    arg.clone()
}

/// [`rerun_arg`] for a type made of others.
#[inline]
#[must_use]
pub fn rerun_nested<T: RerunNested>(arg: &T) -> T {
    arg.clone()
}
