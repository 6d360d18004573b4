//! `#[check]`: no wrapper, only the pitfall checks of the body (`crate::check`), which run under
//! every taskward attribute anyway. Alone on a function, the function is emitted as written (its
//! statement-level `#[check(allow(..))]` taken out) with the warnings; with other taskward
//! attributes, it is taken out of the stack before validation and code generation, and what it
//! allows goes with them.

use super::{At, Attribute, Caps};
use crate::generate::{Code, Gen, Mode};
use crate::options::{RawArg, unknown};

/// `#[check]` resolved: it has no option of its own (`allow(..)` is read for every attribute).
#[derive(Clone, Default)]
pub struct Check;

impl Attribute for Check {
    const NAME: &'static str = "check";
    const OPTIONS: &'static [&'static str] = &["allow"];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        match args.into_iter().next() {
            None => Ok(Check),
            Some(RawArg::Named { key, .. }) => Err(unknown(Self::NAME, &key, Self::OPTIONS)),
            Some(RawArg::Positional(expr)) => Err(syn::Error::new_spanned(
                expr,
                format!(
                    "#[check] takes `allow(..)` with the names of the checks to turn off for this function: {}",
                    crate::check::NAMES
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn caps(&self) -> Caps {
        Caps::default()
    }

    fn policy(&self) -> String {
        String::new()
    }

    /// Never part of a generated stack (taken out before); were it, it would add nothing.
    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        let (future, fallible) = g.chain(i + 1, mode);
        (Code::Future(future), fallible)
    }
}

#[cfg(test)]
mod tests;
