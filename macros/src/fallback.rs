//! What is emitted when the input is wrong: the user's function as it was, with the error, so that
//! the rest of the crate and the IDE keep working and only the mistake is reported.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::item::AsyncFn;
use crate::stack;

/// The function parsed but the attribute or the stack is wrong.
pub fn with_error(err: &syn::Error, mut func: AsyncFn) -> TokenStream {
    stack::strip(&mut func);
    let mut tokens = err.to_compile_error();
    func.to_tokens(&mut tokens);
    tokens
}

/// The item is not a function we can read: emit it untouched.
pub fn unparsed(err: &syn::Error, item: TokenStream) -> TokenStream {
    let mut tokens = err.to_compile_error();
    tokens.extend(item);
    tokens
}
