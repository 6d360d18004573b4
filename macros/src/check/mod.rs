//! `#[check]` and the pitfall checks that run on the body of every function carrying a taskward
//! attribute: blocking calls in async code, a `std::sync` guard or a `RefCell` borrow alive across
//! an `.await`, unbounded channels, and `tokio::spawn` in a loop with nothing bounding it.
//!
//! The checks are syntactic. The body, kept as tokens everywhere else, is parsed with syn only when
//! at least one check is on for the function, and walked once ([`walk`]); paths are read through
//! the `use` items of the body ([`scope`]). Each finding becomes a warning on stable Rust in the
//! way the stack lints are (a deprecated constant named after the check, used at the offending
//! tokens). `allow(name)` on any taskward attribute of the function turns a check off for it;
//! `#[check(allow(name))]` on a statement or an expression inside the body turns it off there, and
//! is taken out of the emitted body ([`strip`]).

mod allow;
mod blocking;
mod channels;
mod guards;
mod scope;
mod spawn;
pub mod strip;
mod walk;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::quote_spanned;

use crate::attrs::Kind;
use crate::generate::m;
use crate::stack::Stack;

/// The names of the checks, for `allow(...)`.
pub const NAMES: &[&str] = &[
    "blocking",
    "lock_across_await",
    "unbounded_channel",
    "unbounded_spawn",
];

/// One of the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Blocking,
    LockAcrossAwait,
    UnboundedChannel,
    UnboundedSpawn,
}

impl Check {
    pub const ALL: [Check; 4] = [
        Check::Blocking,
        Check::LockAcrossAwait,
        Check::UnboundedChannel,
        Check::UnboundedSpawn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Check::Blocking => NAMES[0],
            Check::LockAcrossAwait => NAMES[1],
            Check::UnboundedChannel => NAMES[2],
            Check::UnboundedSpawn => NAMES[3],
        }
    }

    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|check| check.name() == name)
    }
}

/// One finding: where, which check, and the message (what is wrong, then what to write).
pub struct Finding {
    pub check: Check,
    pub span: Span,
    pub message: String,
}

/// What the walk of one body found: the findings, and the errors of malformed
/// `#[check(allow(..))]` on its statements.
#[derive(Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Option<syn::Error>,
}

/// Runs the checks on `body`. `runs_async`: whether the body itself runs on the async executor
/// (an `async fn`; not the body of a plain `fn` or of `#[blocking]`, whose `async` blocks are still
/// checked as async code). `allowed`: the checks turned off for the whole function.
pub fn run(body: &Group, runs_async: bool, allowed: &[Check]) -> Outcome {
    if Check::ALL.iter().all(|check| allowed.contains(check)) {
        return Outcome::default();
    }
    let tokens = TokenStream::from(TokenTree::Group(body.clone()));
    let Ok(block) = syn::parse2::<syn::Block>(tokens) else {
        // The compiler reports what does not parse; nothing to check.
        return Outcome::default();
    };
    walk::Walker::run(&block, runs_async, allowed)
}

/// The checks of a function under `stack` (`#[check]` alone included), as warnings and errors
/// to put at the top of its body.
pub fn for_stack(stack: &Stack, body: &Group, runs_async: bool) -> TokenStream {
    let allowed: Vec<Check> = stack
        .layers
        .iter()
        .flat_map(|layer| layer.allow.iter())
        .filter_map(|ident| Check::from_name(&ident.to_string()))
        .collect();
    let outcome = run(body, runs_async, &allowed);
    let mut tokens = emit(&outcome.findings);
    if let Some(err) = outcome.errors {
        tokens.extend(err.to_compile_error());
    }
    tokens
}

/// Whether the stack is `#[check]` alone: the function is then emitted as written.
pub fn only(stack: &Stack) -> bool {
    stack.layers.iter().all(|layer| layer.kind() == Kind::Check)
}

/// Takes `#[check]` out of a stack that has other attributes (it has no layer): what it allows
/// goes to the outermost of the others, where the stack lints look for it.
pub fn take_out(stack: &mut Stack) {
    let mut allows = Vec::new();
    stack.layers.retain_mut(|layer| {
        if layer.kind() == Kind::Check {
            allows.append(&mut layer.allow);
            false
        } else {
            true
        }
    });
    if let Some(first) = stack.layers.first_mut() {
        first.allow.extend(allows);
    }
}

/// The findings as warnings: each is the use of a deprecated constant named after its check,
/// located at the offending tokens.
pub fn emit(findings: &[Finding]) -> TokenStream {
    findings
        .iter()
        .map(|finding| {
            let name = finding.check.name();
            let note = format!(
                "{} (taskward: if it is meant, write `#[check(allow({name}))]` on the statement, or `allow({name})` among the options of the function's taskward attribute)",
                finding.message
            );
            let def = syn::Ident::new(name, m());
            let used = syn::Ident::new(name, finding.span);
            quote_spanned! {m()=>
                {
                    #[deprecated(note = #note)]
                    #[allow(non_upper_case_globals)]
                    const #def: () = ();
                    let () = #used;
                }
            }
        })
        .collect()
}

/// `tokens` (an item ending with the function's body) with `extra` put first in the body.
pub fn into_body(tokens: TokenStream, extra: TokenStream) -> TokenStream {
    if extra.is_empty() {
        return tokens;
    }
    let mut all: Vec<TokenTree> = tokens.into_iter().collect();
    match all.pop() {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
            let mut stream = extra;
            stream.extend(body.stream());
            let mut group = Group::new(Delimiter::Brace, stream);
            group.set_span(body.span());
            all.push(TokenTree::Group(group));
        }
        Some(other) => {
            all.push(other);
        }
        None => {}
    }
    all.into_iter().collect()
}

/// A line for the messages: "line 12" where the compiler tells where a token is.
pub fn line_of(span: Span) -> String {
    let line = span.start().line;
    if line == 0 {
        String::from("below")
    } else {
        format!("on line {line}")
    }
}
