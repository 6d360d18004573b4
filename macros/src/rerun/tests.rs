//! The `self` rewrite, on the bodies that a token-level rename got wrong.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::quote;

use super::{rename_inline_self, rename_self};

fn renamed(body: TokenStream) -> String {
    let TokenTree::Group(group) = quote!({ #body }).into_iter().next().unwrap() else {
        unreachable!()
    };
    let out: Group = rename_self(&group);
    out.stream().to_string()
}

#[test]
fn the_receiver_is_renamed_in_expressions_closures_and_macros() {
    let out = renamed(quote! {
        self.count += 1;
        let f = || self.name.len();
        println!("{}", self.count);
        Ok(f() + self.len())
    });
    assert_eq!(out.matches("self").count(), 4, "only the renamed: {out}");
    assert_eq!(out.matches("__taskward_self").count(), 4, "{out}");
}

#[test]
fn what_is_not_the_receiver_stays() {
    let out = renamed(quote! {
        use std::fmt::{self, Write};
        pub(self) fn helper(x: &str) -> usize { x.len() }
        struct Arr<const N: usize>;
        impl Arr<{ 2 }> {
            fn len(&self) -> usize { self.inner() }
        }
        let a = self::helper("x");
        let b = crate::m::self_named;
        let c = Self::CONST;
        a + b + c + self.d
    });
    assert!(out.contains("use std :: fmt :: { self , Write }"), "{out}");
    assert!(out.contains("pub (self) fn helper"), "{out}");
    assert!(out.contains("fn len (& self)"), "{out}");
    assert!(out.contains("self . inner ()"), "{out}");
    assert!(out.contains("self :: helper"), "{out}");
    assert!(out.contains("Self :: CONST"), "{out}");
    assert!(out.contains("__taskward_self . d"), "{out}");
}

#[test]
fn inline_format_arguments_follow_the_receiver() {
    let out = renamed(quote! {
        Ok(format!("{self:?} {self} {{self}} {selfish} {x}", x = self.x))
    });
    assert!(
        out.contains(r#""{__taskward_self:?} {__taskward_self} {{self}} {selfish} {x}""#),
        "{out}"
    );
    assert!(out.contains("x = __taskward_self . x"), "{out}");
}

#[test]
fn inline_self_in_format_strings() {
    assert_eq!(rename_inline_self("plain"), None);
    assert_eq!(rename_inline_self("{{self}}"), None);
    assert_eq!(rename_inline_self("{selfish}"), None);
    assert_eq!(
        rename_inline_self("a {self} b {self:>8} {{"),
        Some("a {__taskward_self} b {__taskward_self:>8} {{".to_owned())
    );
}

#[test]
fn a_body_that_does_not_parse_is_left_as_written() {
    let out = renamed(quote! { self.x + });
    assert_eq!(out, "self . x +");
}
