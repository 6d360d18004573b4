//! The limit that `in = EXPR` names, held for one call: `#[bounded]`, `#[bounded(adaptive)]`,
//! `#[rate_limited]` and `#[circuit_breaker]` each take a reference or an `Arc` of theirs (through
//! a trait of their own, whose message names the attribute) and keep it in this.

use std::sync::Arc;

/// A limit of `in = EXPR` for one call: the reference, or a clone of the `Arc`.
#[derive(Debug)]
pub enum Handle<'a, T> {
    /// `in = &limit`.
    Borrowed(&'a T),
    /// `in = &arc`: a clone, so the call borrows nothing of where the `Arc` is kept (what a
    /// `&mut self` method needs).
    Shared(Arc<T>),
}

impl<T> core::ops::Deref for Handle<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match self {
            Handle::Borrowed(limit) => limit,
            Handle::Shared(limit) => limit,
        }
    }
}
