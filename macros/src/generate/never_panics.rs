//! Whatever the tokens, the macros answer with tokens (an error and the item), never a panic: a
//! property test over attribute arguments and items made of pieces of valid ones, shuffled,
//! dropped and repeated. And what they emit is Rust whenever what they were given was.

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::quote;

use crate::attrs::Kind;
use crate::pipeline::expand;

/// Pieces of attribute arguments, valid and not.
fn arg_piece() -> impl Strategy<Value = TokenStream> {
    prop::sample::select(vec![
        quote!(8),
        quote!(0),
        quote!(18446744073709551616),
        quote!(8u8),
        quote!(8i32),
        quote!(-1),
        quote!("250ms"),
        quote!("1m 30s"),
        quote!("0.5s"),
        quote!("5M"),
        quote!("1e3ms"),
        quote!(""),
        quote!("100ms..10s"),
        quote!("10s..1s"),
        quote!(wait = "100ms"),
        quote!(in = POOL),
        quote!(in = &self.pool),
        quote!(in),
        quote!(cancel),
        quote!(restarts = 3),
        quote!(restarts = 0),
        quote!(within = "60s"),
        quote!(backoff = "1s"),
        quote!(jitter = false),
        quote!(jitter),
        quote!(restart = "always"),
        quote!(allow(permit_held_across_restarts)),
        quote!(allow()),
        quote!(crate = tw),
        quote!(crate = 1),
        quote!(=),
        quote!(,),
        quote!(::),
        quote!((1, 2)),
        quote!([x]),
        quote!({}),
        quote!(LIMIT),
        quote!(Self::LIMIT),
        quote!(attempts = 3),
        quote!(attempts = 0),
        quote!(on = E::A | E::B(_)),
        quote!(on = |e| true),
        quote!(on),
        quote!(when = is_transient),
        quote!(when = 3),
        quote!(total = "10s"),
        quote!(budget = 0.2),
        quote!(budget = 2.5),
        quote!(budget = false),
        quote!(allow(deadline_shorter_than_retries)),
    ])
}

/// Pieces of items: attributes, signatures and bodies, valid and not.
fn item_piece() -> impl Strategy<Value = TokenStream> {
    prop::sample::select(vec![
        quote!(#[bounded(2)]),
        quote!(#[with_timeout("1s")]),
        quote!(#[supervised]),
        quote!(#[graceful(cancel)]),
        quote!(#[retry(on = E::A)]),
        quote!(#[taskward::bounded = 3]),
        quote!(#[doc = "x"]),
        quote!(pub),
        quote!(const),
        quote!(async),
        quote!(unsafe),
        quote!(fn),
        quote!(f),
        quote!(<T>),
        quote!((x: u32)),
        quote!((&self, (a, b): (u8, u8))),
        quote!((self)),
        quote!((mut s: &[u8], #[cfg(any())] y: u8)),
        quote!(-> u32),
        quote!(-> Result<u8, E>),
        quote!(-> impl Display),
        quote!(where T: Clone),
        quote!({ x + 1 }),
        quote!({ self.x }),
        quote!({ Box::pin(async move { 1 }) }),
        quote!({ format!("{self:?}") }),
        quote!(;),
        quote!(
            struct S;
        ),
        quote!(impl S {}),
        quote!(|| 1),
    ])
}

fn tokens(pieces: Vec<TokenStream>) -> TokenStream {
    pieces.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("MACRO_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_panics_and_emits_rust_for_rust(
        kind in prop::sample::select(Kind::ALL.to_vec()),
        args in prop::collection::vec(arg_piece(), 0..5),
        item in prop::collection::vec(item_piece(), 0..9),
    ) {
        let item = tokens(item);
        let out = expand(kind, tokens(args), item.clone());
        if syn::parse2::<syn::File>(item).is_ok() {
            prop_assert!(syn::parse2::<syn::File>(out).is_ok());
        }
    }

    #[test]
    fn valid_functions_with_any_arguments(
        kind in prop::sample::select(Kind::ALL.to_vec()),
        args in prop::collection::vec(arg_piece(), 0..5),
        sep in prop::bool::ANY,
    ) {
        // Arguments joined with commas (mostly), on a valid function.
        let args: Vec<TokenStream> = args;
        let args = if sep { quote!(#(#args),*) } else { tokens(args) };
        let item = quote! {
            #[with_timeout("1s")]
            async fn f(&self, x: u32) -> Result<u32, E> { Ok(self.x + x) }
        };
        let out = expand(kind, args, item);
        prop_assert!(syn::parse2::<syn::File>(out).is_ok());
    }
}
