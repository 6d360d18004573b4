//! The key of `#[coalesce]` with no `key = ...`: each argument cloned into a part, checked where
//! it is written.

use core::hash::{Hash, Hasher};

use super::Key;

/// An argument as a part of the key (with no `key = ...`).
#[diagnostic::on_unimplemented(
    message = "the argument type `{Self}` cannot be part of the key of #[coalesce]: it must be `Clone + Hash + Eq + Send + Sync + 'static`",
    label = "with no `key = ...`, calls with equal arguments share a run: each argument is cloned into the key",
    note = "take a type that is `Clone + Hash + Eq` (a `String`, an integer, a struct deriving them), or write `#[coalesce(key = ...)]` over the arguments (`key = user.id`)"
)]
pub trait KeyArg: Clone + Key {}
impl<T: Clone + Key> KeyArg for T {}

/// An argument's part of the key: a clone of it, with how to hash and compare it, taken where its
/// type is checked ([`key_arg`]), so that an argument that cannot be a key is reported there
/// alone, not again for the tuple of the parts.
pub struct Part<T: 'static> {
    value: T,
    ops: &'static PartOps<T>,
}

struct PartOps<T> {
    hash: fn(&T, &mut dyn Hasher),
    eq: fn(&T, &T) -> bool,
}

fn hash_part<T: Hash>(value: &T, mut state: &mut dyn Hasher) {
    value.hash(&mut state);
}

fn eq_part<T: Eq>(a: &T, b: &T) -> bool {
    a == b
}

impl<T: KeyArg> PartOps<T> {
    const OPS: Self = PartOps {
        hash: hash_part::<T>,
        eq: eq_part::<T>,
    };
}

impl<T> Hash for Part<T> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.ops.hash)(&self.value, state);
    }
}

impl<T> PartialEq for Part<T> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        (self.ops.eq)(&self.value, &other.value)
    }
}

impl<T> Eq for Part<T> {}

/// The part of the key for one argument: a clone of it.
#[inline]
pub fn key_arg<T: KeyArg>(arg: &T) -> Part<T> {
    Part {
        value: arg.clone(),
        ops: &PartOps::<T>::OPS,
    }
}
