//! The annotated function, read once: attributes, visibility and signature are parsed, the body is
//! kept as the user's tokens (it is never re-parsed, so it costs nothing and keeps every span).

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Pat, ReturnType, Signature, Type, Visibility};

pub struct AsyncFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// `default` of a specializing impl, kept as written.
    pub defaultness: Option<syn::Token![default]>,
    pub sig: Signature,
    /// The body's braces and everything inside, as written; for a method that `#[async_trait]`
    /// has already rewritten, the block of its `Box::pin(async move { ... })`.
    pub body: Group,
    /// Set when the function is a method rewritten by `#[async_trait]`.
    pub boxed: Option<Boxed>,
}

/// A method as `#[async_trait]` leaves it: `fn f(..) -> Pin<Box<dyn Future<Output = T> + ..>> {
/// Box::pin(async move { .. }) }`. The wrapper goes inside the boxed future, so the signature the
/// trait fixes stays as it is.
pub struct Boxed {
    /// The body as written (for the fallback).
    pub outer: Group,
    /// `T` of `Future<Output = T>`.
    pub output: Option<Type>,
}

impl Parse for AsyncFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let defaultness = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = match input.parse::<TokenTree>().map(ungroup) {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
            _ => {
                return Err(syn::Error::new(
                    sig.ident.span(),
                    "taskward attributes go on a function with a body, not on a declaration: in a trait, put them on the function of the `impl`; a function of an `extern` block cannot have them",
                ));
            }
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        let (body, boxed) = match (&sig.asyncness, async_trait_block(&body)) {
            (None, Some(inner)) if rewritten_by_async_trait(&sig) => {
                let output = match &sig.output {
                    ReturnType::Type(_, ty) => future_output(ty),
                    ReturnType::Default => None,
                };
                (
                    inner,
                    Some(Boxed {
                        outer: body,
                        output,
                    }),
                )
            }
            _ => (body, None),
        };
        Ok(AsyncFn {
            attrs,
            vis,
            defaultness,
            sig,
            body,
            boxed,
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
        match &self.boxed {
            Some(boxed) => boxed.outer.to_tokens(tokens),
            None => self.body.to_tokens(tokens),
        }
    }
}

/// A body passed through `macro_rules!` as `$body:block` arrives in an invisible group: the block
/// inside it.
fn ungroup(tt: TokenTree) -> TokenTree {
    if let TokenTree::Group(group) = &tt
        && group.delimiter() == Delimiter::None
    {
        let mut inner = group.stream().into_iter();
        if let (Some(only), None) = (inner.next(), inner.next()) {
            return ungroup(only);
        }
    }
    tt
}

/// Whether the signature is one `#[async_trait]` writes: its boxed future is bound by the
/// lifetime `'async_trait` (a hand-written `fn` returning `Box::pin(async move { .. })` is not).
fn rewritten_by_async_trait(sig: &Signature) -> bool {
    fn names_it(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => ident == "async_trait",
            TokenTree::Group(group) => names_it(group.stream()),
            _ => false,
        })
    }
    names_it(sig.output.to_token_stream())
}

/// Whether the body is already a taskward wrapper: another taskward attribute, under a name the
/// stack did not recognise (`use taskward::bounded as limit;`), expanded it before.
pub fn already_wrapped(body: &Group) -> bool {
    body.stream()
        .into_iter()
        .any(|tt| matches!(&tt, TokenTree::Ident(ident) if ident == "__TASKWARD_META"))
}

/// Whether a plain `fn` is an `async fn` that `#[tokio::main]` or `#[tokio::test]` above the
/// taskward attribute has already rewritten (its body runs a runtime's `block_on`).
pub fn rewritten_by_tokio(func: &AsyncFn) -> bool {
    fn calls_block_on(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => ident == "block_on",
            TokenTree::Group(group) => calls_block_on(group.stream()),
            _ => false,
        })
    }
    func.sig.asyncness.is_none() && func.boxed.is_none() && calls_block_on(func.body.stream())
}

/// The block of `Box::pin(async move { .. })` when that is the whole body.
fn async_trait_block(body: &Group) -> Option<Group> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let [
        TokenTree::Ident(boxed),
        TokenTree::Punct(c1),
        TokenTree::Punct(c2),
        TokenTree::Ident(pin),
        TokenTree::Group(args),
    ] = tokens.as_slice()
    else {
        return None;
    };
    if boxed != "Box"
        || c1.as_char() != ':'
        || c2.as_char() != ':'
        || pin != "pin"
        || args.delimiter() != Delimiter::Parenthesis
    {
        return None;
    }
    let inner: Vec<TokenTree> = args.stream().into_iter().collect();
    match inner.as_slice() {
        [
            TokenTree::Ident(kw_async),
            TokenTree::Ident(kw_move),
            TokenTree::Group(block),
        ] if kw_async == "async" && kw_move == "move" && block.delimiter() == Delimiter::Brace => {
            Some(block.clone())
        }
        _ => None,
    }
}

/// `T` in `Pin<Box<dyn Future<Output = T> + Send + 'a>>`.
fn future_output(ty: &Type) -> Option<Type> {
    fn last_args(ty: &Type) -> Option<&syn::PathArguments> {
        match ty {
            Type::Path(path) => path.path.segments.last().map(|seg| &seg.arguments),
            _ => None,
        }
    }
    fn first_type(args: &syn::PathArguments) -> Option<&Type> {
        match args {
            syn::PathArguments::AngleBracketed(args) => {
                args.args.iter().find_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
            }
            _ => None,
        }
    }
    let boxed = first_type(last_args(ty)?)?; // Pin<..>
    let dyn_future = first_type(last_args(boxed)?)?; // Box<..>
    let Type::TraitObject(object) = dyn_future else {
        return None;
    };
    object.bounds.iter().find_map(|bound| match bound {
        syn::TypeParamBound::Trait(trait_bound) => {
            let seg = trait_bound.path.segments.last()?;
            match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) => {
                    args.args.iter().find_map(|arg| match arg {
                        syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                            Some(assoc.ty.clone())
                        }
                        _ => None,
                    })
                }
                _ => None,
            }
        }
        _ => None,
    })
}

/// How the function returns, for the signature rule.
pub enum Output<'a> {
    /// No return type: `()`.
    Unit,
    /// A `Result` or an alias of it whose name ends in `Result` (`io::Result<T>`,
    /// `anyhow::Result<T>`, `FetchResult<T>`): kept as written. That it is one is checked by the
    /// compiler (`ResultLike`, with a message).
    Result(&'a Type),
    /// Any other type: a wrapper that can fail turns it into `Result<T, taskward::Error>`.
    Plain(&'a Type),
}

impl AsyncFn {
    pub fn output(&self) -> Output<'_> {
        let ty = match (&self.boxed, &self.sig.output) {
            (Some(boxed), _) => boxed.output.as_ref(),
            (None, ReturnType::Default) => None,
            (None, ReturnType::Type(_, ty)) => Some(&**ty),
        };
        match ty {
            None => Output::Unit,
            Some(ty) if is_result(ty) => Output::Result(ty),
            Some(ty) => Output::Plain(ty),
        }
    }

    /// Whether `#[tracing::instrument]` was written above the taskward attributes and has already
    /// expanded: its span is then made inside our wrapper (its expansion names
    /// `__tracing_attr_span` at the top of the body).
    pub fn instrumented_inside(&self) -> bool {
        self.body
            .stream()
            .into_iter()
            .any(|tt| matches!(&tt, TokenTree::Ident(ident) if ident == "__tracing_attr_span"))
    }

    /// Whether the return type is `impl Trait` as a whole (no `let x: impl Trait` is allowed, so
    /// the never-run return edge is left out).
    pub fn returns_impl_trait(&self) -> bool {
        matches!(&self.sig.output, ReturnType::Type(_, ty) if matches!(&**ty, Type::ImplTrait(_)))
    }
}

/// Whether `ty` is certainly not a `Result` under another name: a primitive, `String`, a
/// standard container, a reference, tuple or array. Other types get the compile-time check.
pub fn surely_not_result(ty: &Type) -> bool {
    const PLAIN: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "str", "String", "Vec", "Option", "Box", "Arc", "Rc",
        "HashMap", "BTreeMap", "HashSet", "BTreeSet", "VecDeque", "Duration", "Bytes",
    ];
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|seg| PLAIN.iter().any(|plain| seg.ident == plain)),
        Type::Reference(_) | Type::Tuple(_) | Type::Array(_) | Type::Slice(_) => true,
        Type::Paren(inner) => surely_not_result(&inner.elem),
        Type::Group(inner) => surely_not_result(&inner.elem),
        _ => false,
    }
}

/// Whether `ty` has an `impl Trait` anywhere in it.
pub fn mentions_impl_trait(ty: &Type) -> bool {
    fn any_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => ident == "impl",
            TokenTree::Group(group) => any_impl(group.stream()),
            _ => false,
        })
    }
    any_impl(ty.to_token_stream())
}

/// `ty` with each `impl Trait` in it replaced by `_`, for the places where generated code names
/// the return type (a turbofish, a `let`), where `impl Trait` is not allowed: the compiler infers
/// it there from the body.
pub fn infer_impl_trait(ty: &Type) -> Type {
    struct Infer;
    impl syn::visit_mut::VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(found) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    attrs: Vec::new(),
                    underscore_token: syn::Token![_](found.impl_token.span),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Infer, &mut ty);
    ty
}

fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|seg| seg.ident.to_string().ends_with("Result")),
        Type::Paren(inner) => is_result(&inner.elem),
        Type::Group(inner) => is_result(&inner.elem),
        _ => false,
    }
}

/// The names the arguments bind (`self` aside).
pub fn argument_names(sig: &Signature) -> impl Iterator<Item = syn::Ident> {
    let mut names = Vec::new();
    for arg in &sig.inputs {
        if let syn::FnArg::Typed(arg) = arg {
            let mut bound = Vec::new();
            bindings(&arg.pat, &mut bound);
            names.extend(bound.into_iter().map(|(name, _)| name));
        }
    }
    names.into_iter()
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

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::Type;

    use quote::ToTokens;

    use super::{AsyncFn, Output, infer_impl_trait, is_result};

    fn ty(tokens: proc_macro2::TokenStream) -> Type {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn results_are_told_by_the_name_of_their_last_segment() {
        for result in [
            quote!(Result<u8, E>),
            quote!(std::io::Result<u8>),
            quote!(::core::result::Result<(), E>),
            quote!(anyhow::Result<u8>),
            quote!((Result<u8, E>)),
            quote!(FetchResult<u8>),
            quote!(search::Result),
        ] {
            assert!(is_result(&ty(result.clone())), "{result}");
        }
        for plain in [
            quote!(u8),
            quote!(Option<Result<u8, E>>),
            quote!(<T as Trait>::Result),
            quote!(&Result<u8, E>),
            quote!((Result<u8, E>, u8)),
        ] {
            assert!(!is_result(&ty(plain.clone())), "{plain}");
        }
    }

    #[test]
    fn impl_trait_is_inferred_wherever_it_is_in_a_type() {
        let inferred = |t| infer_impl_trait(&ty(t)).into_token_stream().to_string();
        assert_eq!(inferred(quote!(impl Display)), "_");
        assert_eq!(
            inferred(quote!(Result<impl Display + Send, E>)),
            "Result < _ , E >"
        );
        assert_eq!(
            inferred(quote!(Result<Vec<impl Display>, E>)),
            "Result < Vec < _ > , E >"
        );
        assert_eq!(inferred(quote!(Result<u8, E>)), "Result < u8 , E >");
    }

    fn parse(item: proc_macro2::TokenStream) -> AsyncFn {
        syn::parse2(item).unwrap()
    }

    #[test]
    fn a_method_rewritten_by_async_trait_is_recognised() {
        let func = parse(quote! {
            fn get<'life0, 'async_trait>(&'life0 self) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u8, E>> + Send + 'async_trait>>
            where 'life0: 'async_trait, Self: 'async_trait
            {
                Box::pin(async move { let __self = self; Ok(1) })
            }
        });
        assert!(func.boxed.is_some());
        assert!(matches!(func.output(), Output::Result(_)));

        let plain_output = parse(quote! {
            fn get<'async_trait>(&'async_trait self) -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> {
                Box::pin(async move { 1 })
            }
        });
        assert!(matches!(plain_output.output(), Output::Plain(_)));
    }

    #[test]
    fn other_functions_are_not_taken_for_async_trait_methods() {
        // `async fn` returning a boxed future, a body that does more than box, a non-`move` block.
        for item in [
            quote!(
                async fn f() -> u8 {
                    Box::pin(async move { 1 })
                }
            ),
            quote!(
                fn f() -> Pin<Box<dyn Future<Output = u8>>> {
                    let x = 1;
                    Box::pin(async move { x })
                }
            ),
            quote!(
                fn f() -> Pin<Box<dyn Future<Output = u8>>> {
                    Box::pin(async { 1 })
                }
            ),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        ] {
            assert!(parse(item.clone()).boxed.is_none(), "{item}");
        }
    }
}
