//! `#[check(allow(..))]` on a statement or an expression: read as the walk meets it, in force
//! while the walk is inside, and an error (with every check allowed there, so that the mistake is
//! reported once) when a name is not a check.

use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Token};

use super::walk::Walker;
use super::{Check, NAMES};

impl Walker<'_> {
    /// Reads `#[check(allow(..))]` among `attrs`; returns how many checks it allowed, to take
    /// back once the statement is walked.
    pub(super) fn allow_in(&mut self, attrs: &[Attribute]) -> usize {
        let mut pushed = 0;
        for attr in attrs {
            if !super::strip::is_check_path(attr.path()) {
                continue;
            }
            let parsed = match &attr.meta {
                syn::Meta::List(list) => allow_list.parse2(list.tokens.clone()),
                _ => Err(syn::Error::new_spanned(attr, "")),
            };
            match parsed {
                Ok(names) => {
                    for name in names {
                        match super::Check::from_name(&name.to_string()) {
                            Some(check) => {
                                self.allowed_here.push(check);
                                pushed += 1;
                            }
                            None => {
                                self.error(syn::Error::new(
                                    name.span(),
                                    format!(
                                        "`{name}` is not one of taskward's checks; `#[check(allow(..))]` on a statement takes {}",
                                        list(NAMES)
                                    ),
                                ));
                                // One error for the mistake, not a warning more.
                                pushed += self.allow_all();
                            }
                        }
                    }
                }
                Err(_) => {
                    self.error(syn::Error::new_spanned(
                        attr,
                        format!(
                            "on a statement or an expression, write `#[check(allow(name, ..))]` with names among {}",
                            list(NAMES)
                        ),
                    ));
                    pushed += self.allow_all();
                }
            }
        }
        pushed
    }

    pub(super) fn allow_all(&mut self) -> usize {
        self.allowed_here.extend(Check::ALL);
        Check::ALL.len()
    }

    pub(super) fn release(&mut self, pushed: usize) {
        let keep = self.allowed_here.len() - pushed;
        self.allowed_here.truncate(keep);
    }
}

pub fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn allow_list(input: syn::parse::ParseStream) -> syn::Result<Vec<Ident>> {
    let key: Ident = input.parse()?;
    if key != "allow" {
        return Err(syn::Error::new(key.span(), "expected `allow(..)`"));
    }
    let content;
    syn::parenthesized!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    if !input.is_empty() {
        return Err(input.error("expected one `allow(..)`"));
    }
    Ok(names.into_iter().collect())
}

/// The attributes written on an expression.
pub fn expr_attrs(expr: &Expr) -> &[Attribute] {
    macro_rules! attrs {
        ($($variant:ident)*) => {
            match expr {
                $(Expr::$variant(e) => &e.attrs,)*
                _ => &[],
            }
        };
    }
    attrs!(Array Assign Async Await Binary Block Call Cast Closure Field ForLoop If Index Let Loop
        Macro Match MethodCall Paren Path Range Reference Return Struct Try Tuple Unary Unsafe While)
}
