//! The path of the `taskward` crate in the user's code. Generated code names it `::taskward`,
//! which is right unless the dependency is renamed (`tw = { package = "taskward", .. }`): then
//! the name is read from the user's `Cargo.toml` (`proc-macro-crate`), or given with
//! `crate = path` on any taskward attribute (as tokio's and serde's macros take it), and the
//! expansion's paths are rewritten to it.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// Where the crate is.
pub struct Krate {
    /// The path a taskward attribute may be written under as `path::bounded`, besides `taskward`:
    /// `tw`, `deps::tw`.
    pub name: Option<String>,
    /// The path that replaces `::taskward` in the expansion; `None` when it is `::taskward`.
    path: Option<TokenStream>,
}

impl Krate {
    /// The crate as the user's manifest names it.
    pub fn find() -> Krate {
        match proc_macro_crate::crate_name("taskward") {
            Ok(proc_macro_crate::FoundCrate::Name(name)) if name != "taskward" => {
                let ident = Ident::new(&name, Span::call_site());
                Krate {
                    name: Some(name),
                    path: Some(quote::quote!(:: #ident)),
                }
            }
            // The crate itself (its tests and docs: `extern crate self as taskward`), the name
            // `taskward`, or no manifest to read: `::taskward`.
            _ => Krate {
                name: None,
                path: None,
            },
        }
    }

    /// `crate = path`, given on an attribute.
    pub fn given(&mut self, path: &syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.name = Some(segments.join("::"));
        self.path = Some(path.to_token_stream());
    }

    /// The expansion with `::taskward` replaced by the crate's path, where it differs.
    pub fn apply(&self, tokens: TokenStream) -> TokenStream {
        match &self.path {
            Some(path) => replace(tokens, path),
            None => tokens,
        }
    }
}

/// Whether `::` after `prev` continues a path (`a::taskward`), rather than starting one at the
/// crate root (`use ::taskward`, `as ::taskward`, `(::taskward`).
fn continues_a_path(before: Option<&TokenTree>, prev: Option<&TokenTree>) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "dyn", "else", "for", "if", "impl", "in", "let", "match", "move",
        "mut", "pub", "return", "static", "use", "where", "while", "yield",
    ];
    match prev {
        Some(TokenTree::Ident(ident)) => !KEYWORDS.iter().any(|k| ident == k),
        // `T>::` continues a path; `=>` and `->` do not.
        Some(TokenTree::Punct(p)) if p.as_char() == '>' => !matches!(
            before,
            Some(TokenTree::Punct(q)) if matches!(q.as_char(), '=' | '-')
        ),
        _ => false,
    }
}

/// Replaces each `:: taskward` (a path that starts at the crate root) with `path`.
fn replace(tokens: TokenStream, path: &TokenStream) -> TokenStream {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tts.len());
    let mut i = 0;
    while i < tts.len() {
        if let (TokenTree::Punct(a), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(name))) =
            (&tts[i], tts.get(i + 1), tts.get(i + 2))
            && a.as_char() == ':'
            && b.as_char() == ':'
            && name == "taskward"
            && !continues_a_path(
                i.checked_sub(2).map(|j| &tts[j]),
                i.checked_sub(1).map(|j| &tts[j]),
            )
        {
            out.extend(path.clone().into_iter().map(|mut tt| {
                tt.set_span(name.span());
                tt
            }));
            i += 3;
            continue;
        }
        match &tts[i] {
            TokenTree::Group(group) => {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), replace(group.stream(), path));
                new.set_span(group.span());
                out.push(TokenTree::Group(new));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::Krate;

    #[test]
    fn paths_from_the_root_are_rewritten() {
        let mut krate = Krate {
            name: None,
            path: None,
        };
        let tokens = quote!(::taskward::__private::Ok(x); taskward::Error; a::taskward::b; { ::taskward::Shutdown::global() } use ::taskward::X; <T as ::taskward::Y>; x => ::taskward::Z; -> ::taskward::W; Vec<T>::taskward);
        assert_eq!(krate.apply(tokens.clone()).to_string(), tokens.to_string());
        krate.given(&syn::parse_quote!(::tw));
        assert_eq!(
            krate.apply(tokens).to_string(),
            quote!(::tw::__private::Ok(x); taskward::Error; a::taskward::b; { ::tw::Shutdown::global() } use ::tw::X; <T as ::tw::Y>; x => ::tw::Z; -> ::tw::W; Vec<T>::taskward).to_string()
        );
        assert_eq!(krate.name.as_deref(), Some("tw"));
    }
}
