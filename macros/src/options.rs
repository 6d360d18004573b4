//! Reading attribute arguments: the list of positional values and `key = value` pairs, the
//! duplicate check, the "unknown option" message built from an attribute's declared options, and
//! the literal helpers that put their error on the offending tokens.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Token};

use crate::attrs::Kind;

/// One argument as written: `8`, `"2s"`, `cancel`, `wait = "100ms"`, `in = POOL`.
pub enum RawArg {
    Positional(Expr),
    Named { key: Ident, value: Expr },
}

impl Parse for RawArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if (input.peek(Ident::peek_any) || input.peek(Token![in]))
            && input.peek2(Token![=])
            && !input.peek2(Token![==])
        {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = if key == "on" {
                // A pattern (`#[retry(on = E::A | E::B(_))]`), which need not be an expression:
                // its tokens as written, up to the next comma.
                Expr::Verbatim(until_comma(input)?)
            } else {
                ungroup(input.parse()?)
            };
            Ok(RawArg::Named { key, value })
        } else {
            Ok(RawArg::Positional(ungroup(input.parse()?)))
        }
    }
}

/// The tokens up to the next comma (not inside a group), or to the end.
fn until_comma(input: ParseStream) -> syn::Result<TokenStream> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })
}

/// A value as written, out of the invisible groups that `macro_rules!` puts around a fragment
/// (`$n:literal`, `$d:expr`), so that a limit or a duration passed through a macro is read as if
/// written in place.
pub fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        other => other,
    }
}

/// The arguments of one attribute, in written order.
pub fn parse_raw(tokens: TokenStream) -> syn::Result<Vec<RawArg>> {
    let parsed = Punctuated::<RawArg, Token![,]>::parse_terminated.parse2(tokens)?;
    Ok(parsed.into_iter().collect())
}

/// Remembers which options were given, so that a second one is an error on its key.
pub struct Seen(Vec<String>);

impl Seen {
    pub fn new() -> Self {
        Seen(Vec::new())
    }

    pub fn first(&mut self, key: &Ident) -> syn::Result<()> {
        let name = key.unraw().to_string();
        if self.0.contains(&name) {
            return Err(syn::Error::new(
                key.span(),
                format!("`{name}` is given twice; keep one"),
            ));
        }
        self.0.push(name);
        Ok(())
    }
}

/// `key` is not an option of `#[attribute]`: the message names the attribute it belongs to, if
/// another one has it, else lists the options.
pub fn unknown(attribute: &str, key: &Ident, valid: &[&str]) -> syn::Error {
    if let Some(err) = elsewhere(attribute, key) {
        return err;
    }
    let key = key.unraw();
    let message = if valid.is_empty() {
        format!("#[{attribute}] has no option `{key}`")
    } else {
        let list = valid
            .iter()
            .map(|opt| format!("`{opt}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("unknown option `{key}` for #[{attribute}]; the options are {list}")
    };
    syn::Error::new(key.span(), message)
}

/// `key` is an option of another attribute (`#[bounded(2, cancel)]`): says which.
pub fn elsewhere(attribute: &str, key: &Ident) -> Option<syn::Error> {
    let name = key.unraw().to_string();
    let owners: Vec<String> = Kind::ALL
        .iter()
        .filter(|kind| kind.name() != attribute && kind.options().contains(&name.as_str()))
        .map(|kind| format!("#[{}]", kind.name()))
        .collect();
    if owners.is_empty() {
        return None;
    }
    Some(syn::Error::new(
        key.span(),
        format!(
            "`{name}` is an option of {}, not of #[{attribute}]",
            owners.join(" and ")
        ),
    ))
}

/// The ident of a bare `name` argument.
pub fn bare_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

pub fn int_lit<'a>(expr: &'a Expr, what: &str) -> syn::Result<&'a LitInt> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

pub fn str_lit<'a>(expr: &'a Expr, what: &str) -> syn::Result<&'a LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

pub fn bool_lit(expr: &Expr, what: &str) -> syn::Result<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Ok(lit.value),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

/// Takes the `allow(name, ...)` arguments out of an attribute's arguments: any taskward attribute
/// may acknowledge a stack lint that it is part of, or turn off a check of the body. Each name is
/// checked against `lints` and `checks`.
pub fn take_allows(
    args: &mut Vec<RawArg>,
    lints: &[&str],
    checks: &[&str],
) -> syn::Result<Vec<Ident>> {
    let mut allows = Vec::new();
    let mut rest = Vec::with_capacity(args.len());
    for arg in core::mem::take(args) {
        let RawArg::Positional(Expr::Call(call)) = &arg else {
            rest.push(arg);
            continue;
        };
        let Expr::Path(path) = &*call.func else {
            rest.push(arg);
            continue;
        };
        if !path.path.is_ident("allow") {
            rest.push(arg);
            continue;
        }
        for name in &call.args {
            let ident = match name {
                Expr::Path(p) => p.path.get_ident().cloned(),
                _ => None,
            };
            match ident {
                Some(ident) if lints.iter().chain(checks).any(|known| ident == known) => {
                    allows.push(ident);
                }
                _ => {
                    let list = |names: &[&str]| {
                        names
                            .iter()
                            .map(|l| format!("`{l}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(syn::Error::new_spanned(
                        name,
                        format!(
                            "`allow(...)` takes the names of taskward's checks of the body: {}; and of its stack lints: {}",
                            list(checks),
                            list(lints)
                        ),
                    ));
                }
            }
        }
    }
    *args = rest;
    Ok(allows)
}

/// Takes `crate = path` out of an attribute's arguments: where the `taskward` crate is, for a
/// renamed dependency (any taskward attribute may say it).
pub fn take_crate(args: &mut Vec<RawArg>) -> syn::Result<Option<syn::Path>> {
    let mut found = None;
    let mut rest = Vec::with_capacity(args.len());
    for arg in core::mem::take(args) {
        match arg {
            RawArg::Named { key, value } if key == "crate" => match value {
                Expr::Path(path) if path.qself.is_none() && found.is_none() => {
                    found = Some(path.path);
                }
                Expr::Path(_) => {
                    return Err(syn::Error::new(
                        key.span(),
                        "`crate` is given twice; keep one",
                    ));
                }
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "`crate` takes the path of the taskward crate as your `Cargo.toml` names it, such as `crate = tw`",
                    ));
                }
            },
            other => rest.push(other),
        }
    }
    *args = rest;
    Ok(found)
}
