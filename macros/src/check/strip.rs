//! `#[check(allow(..))]` on a statement or an expression of the body is read by the checks and
//! taken out of the emitted body: an attribute there cannot be a macro on stable Rust, and rustc
//! would reject it. One on a nested item (`#[check] async fn inner()`) is that item's own
//! attribute, and stays.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

use crate::item::AsyncFn;

/// Whether an attribute's path is `check` or `taskward::check`.
pub fn is_check_path(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    matches!(
        segments
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["check"] | ["taskward", "check"]
    )
}

/// Takes the statement-level `#[check(..)]` out of the function's body.
pub fn strip(func: &mut AsyncFn) {
    if let Some(body) = strip_group(&func.body) {
        func.body = body;
    }
    if let Some(boxed) = &mut func.boxed
        && let Some(outer) = strip_group(&boxed.outer)
    {
        boxed.outer = outer;
    }
}

/// `group` without its statement-level `#[check(..)]`, if it had any.
fn strip_group(group: &Group) -> Option<Group> {
    let stream = strip_stream(group.stream())?;
    let mut stripped = Group::new(group.delimiter(), stream);
    stripped.set_span(group.span());
    Some(stripped)
}

fn strip_stream(stream: TokenStream) -> Option<TokenStream> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut changed = false;
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if is_check_attr(&tokens, i) && !item_follows(&tokens, i + 2) {
            changed = true;
            i += 2;
            continue;
        }
        match &tokens[i] {
            TokenTree::Group(group) => match strip_group(group) {
                Some(stripped) => {
                    changed = true;
                    out.push(TokenTree::Group(stripped));
                }
                None => out.push(tokens[i].clone()),
            },
            other => out.push(other.clone()),
        }
        i += 1;
    }
    changed.then(|| out.into_iter().collect())
}

/// Whether `tokens[i..]` starts with `#[check ..]` or `#[taskward::check ..]`.
fn is_check_attr(tokens: &[TokenTree], i: usize) -> bool {
    let (Some(TokenTree::Punct(hash)), Some(TokenTree::Group(group))) =
        (tokens.get(i), tokens.get(i + 1))
    else {
        return false;
    };
    if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
        return false;
    }
    let names: Vec<String> = group
        .stream()
        .into_iter()
        .take_while(|tt| !matches!(tt, TokenTree::Group(_)))
        .filter_map(|tt| match tt {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    matches!(
        names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["check"] | ["taskward", "check"]
    )
}

/// Whether an item starts at `tokens[i..]`, after any further attributes.
fn item_follows(tokens: &[TokenTree], mut i: usize) -> bool {
    while matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        i += 2;
    }
    let word = |at: usize| match tokens.get(at) {
        Some(TokenTree::Ident(ident)) => ident.to_string(),
        _ => String::new(),
    };
    match word(i).as_str() {
        "fn" | "pub" | "struct" | "enum" | "impl" | "trait" | "mod" | "use" | "static" | "type"
        | "union" | "extern" | "macro_rules" => true,
        "async" | "unsafe" => matches!(
            word(i + 1).as_str(),
            "fn" | "unsafe" | "impl" | "trait" | "extern"
        ),
        "const" => !matches!(tokens.get(i + 1), Some(TokenTree::Group(_))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::strip_stream;

    #[test]
    fn statement_allows_go_and_item_attributes_stay() {
        let body = quote! {
            #[check(allow(blocking))]
            std::thread::sleep(d);
            let x = { #[taskward::check(allow(blocking))] let y = 1; y };
            #[check]
            async fn inner() {}
            #[check(allow(blocking))]
            #[inline]
            fn other() {}
        };
        let stripped = strip_stream(body).unwrap().to_string();
        assert_eq!(
            stripped,
            quote! {
                std::thread::sleep(d);
                let x = { let y = 1; y };
                #[check]
                async fn inner() {}
                #[check(allow(blocking))]
                #[inline]
                fn other() {}
            }
            .to_string()
        );
        assert!(strip_stream(quote!(let x = 1;)).is_none());
    }
}
