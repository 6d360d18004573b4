//! The annotated function, read once: attributes, visibility and signature are parsed, the body is
//! kept as the user's tokens (it is never re-parsed, so it costs nothing and keeps every span).

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, FnArg, Pat, ReturnType, Signature, Type, Visibility};

pub struct AsyncFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// `default` of a specializing impl, kept as written.
    pub defaultness: Option<syn::Token![default]>,
    pub sig: Signature,
    /// The body's braces and everything inside, as written.
    pub body: Group,
}

impl Parse for AsyncFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let defaultness = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = match input.parse::<TokenTree>() {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
            _ => {
                return Err(syn::Error::new(
                    sig.ident.span(),
                    "taskward attributes go on a function with a body: in a trait, put them on the function of the `impl`",
                ));
            }
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        Ok(AsyncFn {
            attrs,
            vis,
            defaultness,
            sig,
            body,
        })
    }
}

impl ToTokens for AsyncFn {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.defaultness.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}

/// How the function returns, for the signature rule.
pub enum Output<'a> {
    /// No return type: `()`.
    Unit,
    /// A `Result` or an alias of it (`io::Result<T>`, `anyhow::Result<T>`): kept as written.
    Result(&'a Type),
    /// Any other type: a wrapper that can fail turns it into `Result<T, taskward::Error>`.
    Plain(&'a Type),
}

impl AsyncFn {
    pub fn output(&self) -> Output<'_> {
        match &self.sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => {
                if is_result(ty) {
                    Output::Result(ty)
                } else {
                    Output::Plain(ty)
                }
            }
        }
    }

    /// Whether the return type mentions `impl Trait` (no `let x: impl Trait` is allowed, so the
    /// never-run return edge is left out).
    pub fn returns_impl_trait(&self) -> bool {
        match &self.sig.output {
            ReturnType::Default => false,
            ReturnType::Type(_, ty) => contains_impl(ty.to_token_stream()),
        }
    }
}

fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|seg| seg.ident == "Result"),
        Type::Paren(inner) => is_result(&inner.elem),
        Type::Group(inner) => is_result(&inner.elem),
        _ => false,
    }
}

fn contains_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => contains_impl(group.stream()),
        _ => false,
    })
}

/// The variables an argument pattern binds, with whether each was declared `mut`.
pub fn bindings(pat: &Pat, out: &mut Vec<(syn::Ident, bool)>) {
    match pat {
        Pat::Ident(p) => {
            out.push((p.ident.clone(), p.mutability.is_some()));
            if let Some((_, sub)) = &p.subpat {
                bindings(sub, out);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bindings(&f.pat, out)),
        Pat::Slice(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Reference(p) => bindings(&p.pat, out),
        Pat::Paren(p) => bindings(&p.pat, out),
        Pat::Type(p) => bindings(&p.pat, out),
        Pat::Or(p) => {
            if let Some(first) = p.cases.first() {
                bindings(first, out);
            }
        }
        _ => {}
    }
}

/// The typed arguments (not `self`).
pub fn typed_args(sig: &Signature) -> impl Iterator<Item = &syn::PatType> {
    sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(pat) => Some(pat),
        FnArg::Receiver(_) => None,
    })
}
