//! `fallback = path`, an option of the attributes whose wrapper can fail with an error of its own
//! (`#[with_timeout]`, `#[bounded(wait = ..)]`, and those to come): when the layer fails, the call
//! returns what `path(arguments.., error).await` returns instead. The body runs on copies of the
//! arguments (as a body that runs again does, `rerun.rs`), so that the fallback gets the
//! arguments themselves: owned ones moved, references passed on, `self` for a method. The error is
//! the function's own error type (converted from `taskward::Error`), or `taskward::Error` for a
//! function that does not return a `Result`. A fallback that does not fit is a compile error at
//! the option.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Path};

use crate::generate::{Code, Gen, m};
use crate::item::Output;
use crate::rerun;

/// `fallback = path`.
#[derive(Clone)]
pub struct Fallback {
    pub path: Path,
}

impl Fallback {
    pub fn parse(value: &Expr) -> syn::Result<Fallback> {
        match value {
            Expr::Path(path) if path.qself.is_none() => Ok(Fallback {
                path: path.path.clone(),
            }),
            other => Err(syn::Error::new_spanned(
                other,
                "`fallback` takes the path of an `async fn` called with the same arguments and the error, such as `fallback = cached_price`",
            )),
        }
    }

    /// For the `# Concurrency policy` line.
    pub fn describe(&self) -> String {
        format!(
            "; on that failure, returns what `{}` returns",
            self.path.to_token_stream().to_string().replace(' ', "")
        )
    }

    /// The layer `layer` (which yields `Result<X, taskward::Error>`, `X` the body's output) with
    /// its failure handed to the fallback: yields `X`, and cannot fail. `layer` must be generated
    /// with the body on copies of the arguments (`Mode { rerun: true }`).
    pub fn wrap(&self, g: &Gen<'_>, layer: Code) -> (Code, bool) {
        let value = match layer {
            Code::Future(future) => quote_spanned!(m()=> #future.await),
            Code::Value(block) => block,
        };
        let copies = rerun::per_run_copies(g.func);
        let call = self.call(g, &self.taskward_error(g));
        let code = quote_spanned! {m()=>
            {
                // The body, on copies, ends (and its borrows with it) before the fallback begins.
                let __taskward_outcome = { #copies #value };
                match __taskward_outcome {
                    ::taskward::__private::Ok(__taskward_value) => __taskward_value,
                    ::taskward::__private::Err(__taskward_error) => #call,
                }
            }
        };
        (Code::Value(code), false)
    }

    /// `__taskward_error` (a `taskward::Error`) as the fallback takes it: converted into the
    /// function's own error type when it returns a `Result`.
    pub fn taskward_error(&self, g: &Gen<'_>) -> TokenStream {
        let at = m().located_at(self.path.span());
        match g.func.output() {
            Output::Result(ty) => {
                let ty = crate::item::infer_impl_trait(ty);
                quote_spanned!(at=> ::taskward::__private::fallback::error::<#ty>(__taskward_error))
            }
            Output::Unit | Output::Plain(_) => quote_spanned!(m()=> __taskward_error),
        }
    }

    /// The call of the fallback with the function's arguments and `error`, awaited. Located at
    /// the option: a fallback of the wrong arguments or output is reported there.
    pub fn call(&self, g: &Gen<'_>, error: &TokenStream) -> TokenStream {
        let args = rerun::original_args(g.func);
        let path = &self.path;
        let at = m().located_at(path.span());
        quote_spanned!(at=> #path(#(#args,)* #error).await)
    }
}
