//! The hooks of the opt-in features: fault injection (`fault-injection`: a call into
//! `taskward::faults` at the start of each run of the body) and metrics (`metrics`: a count of
//! each call). Without a feature its hook is no tokens at all, so the expansion is what it is
//! without the feature, token for token.
//!
//! The snapshot tests of this crate see the hooks only when a test asks for them (`force`), with or
//! without the features: the existing snapshots are the expansion without the features in every
//! build of the tests, and the tests of the hooks run in every build too.

use proc_macro2::TokenStream;
use quote::quote_spanned;

use crate::generate::{Gen, m};
use crate::item::{self, Output};

/// Whether fault injection's hooks are emitted.
fn faults() -> bool {
    #[cfg(test)]
    return force::FAULTS.get();
    #[cfg(not(test))]
    return cfg!(feature = "fault-injection");
}

/// Whether metrics' hooks are emitted.
fn metrics() -> bool {
    #[cfg(test)]
    return force::METRICS.get();
    #[cfg(not(test))]
    return cfg!(feature = "metrics");
}

/// The count of a call, in the wrapper's prelude (after `__TASKWARD_META`).
pub fn call() -> TokenStream {
    if !metrics() {
        return TokenStream::new();
    }
    quote_spanned! {m()=>
        ::taskward::__private::metrics::call(&__TASKWARD_META);
    }
}

/// The hook at the start of a run of the body: in the body's `async` block (`blocking`: in the
/// closure that a `#[blocking]` layer runs on the pool), after the never-run return edge.
pub fn run(g: &Gen<'_>, blocking: bool) -> TokenStream {
    if !faults() {
        return TokenStream::new();
    }
    let returns = match g.func.output() {
        Output::Result(ty) => Some(item::infer_impl_trait(ty)),
        Output::Unit | Output::Plain(_) => None,
    };
    // The failure converted into the function's `Result` where its error type has
    // `From<taskward::Error>`, a panic that says so where it has not (autoref picks which): turning
    // the feature on never breaks a build.
    let fail = |ty: syn::Type| {
        quote_spanned! {m()=>
            #[allow(unused_imports)]
            use ::taskward::__private::faults::{InjectFail as _, InjectPanic as _};
            return (&::taskward::__private::faults::Inject::<#ty>::new())
                .__taskward_injected(__taskward_injected);
        }
    };
    match (returns, blocking) {
        (Some(ty), false) => {
            let fail = fail(ty);
            quote_spanned! {m()=>
                if let ::core::option::Option::Some(__taskward_injected) =
                    ::taskward::__private::faults::before(&__TASKWARD_META).await
                {
                    #fail
                }
            }
        }
        (Some(ty), true) => {
            let fail = fail(ty);
            quote_spanned! {m()=>
                if let ::core::option::Option::Some(__taskward_injected) =
                    ::taskward::__private::faults::before_blocking(&__TASKWARD_META)
                {
                    #fail
                }
            }
        }
        (None, false) => quote_spanned! {m()=>
            ::taskward::__private::faults::before_infallible(&__TASKWARD_META).await;
        },
        (None, true) => quote_spanned! {m()=>
            ::taskward::__private::faults::before_blocking_infallible(&__TASKWARD_META);
        },
    }
}

/// The hooks as a test asks for them, on its own thread.
#[cfg(test)]
pub mod force {
    use std::cell::Cell;

    thread_local! {
        pub static FAULTS: Cell<bool> = const { Cell::new(false) };
        pub static METRICS: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f` with both features' hooks emitted.
    pub fn with_hooks<T>(f: impl FnOnce() -> T) -> T {
        FAULTS.set(true);
        METRICS.set(true);
        let out = f();
        FAULTS.set(false);
        METRICS.set(false);
        out
    }
}

#[cfg(test)]
mod tests;
