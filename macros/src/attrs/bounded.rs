//! `#[bounded(n)]`: at most `n` calls at once; the others wait for a permit, or give up after
//! `wait` with `Error::Rejected`. `in = NAME` shares the permits of a `static` bulkhead, and
//! `in = EXPR` those of any bulkhead the expression gives (`&self.slots`, an argument).

use proc_macro2::Span;
use quote::{ToTokens, format_ident, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitInt};

use super::{At, Attribute, Caps};
use crate::duration::{self, DurationArg, Zero};
use crate::fallback_fn::Fallback;
use crate::generate::{Code, Gen, Mode, m};
use crate::item::AsyncFn;
use crate::options::{RawArg, Seen, bare_ident, elsewhere, unknown};
use crate::shared;

/// `#[bounded]` resolved: where the permits come from, and how long a call waits for one.
#[derive(Clone)]
pub struct Bounded {
    pub permits: Permits,
    /// `None`: wait as long as it takes (the wrapper cannot fail).
    pub wait: Option<DurationArg>,
    /// `fallback = path` (with `wait`): called with the arguments and the rejection instead.
    pub fallback: Option<Fallback>,
}

/// The permits of a `#[bounded]` function: its own, or a shared bulkhead's.
#[derive(Clone)]
pub enum Permits {
    /// A limit of its own, in a per-function `static` bulkhead.
    Own(Limit),
    /// `in = EXPR`: a bulkhead shared with others. A path (`in = POOL`) names a `static`, unless
    /// it is an argument of the function; any other expression gives a `&Bulkhead` or a
    /// `&Arc<Bulkhead>`, evaluated at each call.
    Shared(Box<Expr>),
    /// `adaptive`: a limit that follows the latency of the calls, its own or shared.
    Adaptive(adaptive::Adaptive),
}

/// The limit of `#[bounded]`.
#[derive(Clone)]
pub enum Limit {
    /// A literal, checked to be at least 1.
    Lit(LitInt),
    /// A constant, checked by the compiler when the `static` is evaluated.
    Const(Box<Expr>),
}

/// The options as written, before the cross-option checks.
#[derive(Default)]
struct Written {
    limit: Option<Limit>,
    wait: Option<DurationArg>,
    shared: Option<Box<Expr>>,
    fallback: Option<(syn::Ident, Fallback)>,
    /// `adaptive` and its settings.
    adaptive: adaptive::Written,
}

impl Attribute for Bounded {
    const NAME: &'static str = "bounded";
    const OPTIONS: &'static [&'static str] = &[
        "wait",
        "in",
        "fallback",
        // `#[bounded(adaptive)]`
        "adaptive",
        "min",
        "max",
        "initial",
        "algorithm",
    ];

    fn parse(at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut written = Written::default();
        let mut seen = Seen::new();
        for (i, arg) in args.into_iter().enumerate() {
            match arg {
                // `#[bounded(adaptive)]`, or `adaptive` after a fixed limit (an error below).
                RawArg::Positional(expr)
                    if written.adaptive.keyword.is_none() && adaptive::keyword(&expr).is_some() =>
                {
                    written.adaptive.keyword = adaptive::keyword(&expr);
                }
                RawArg::Positional(expr) if i == 0 => written.limit = Some(limit(expr)?),
                RawArg::Positional(expr) if written.adaptive.keyword.is_some() => {
                    return Err(adaptive::not_fixed(expr.span()));
                }
                RawArg::Positional(expr) => {
                    if let Some(key) = bare_ident(&expr)
                        && let Some(err) = elsewhere(Self::NAME, key)
                    {
                        return Err(err);
                    }
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "the limit comes first; other options are written `key = value`: `wait = \"100ms\"`, `in = NAME`",
                    ));
                }
                RawArg::Named { key, value } => {
                    seen.first(&key)?;
                    match key.unraw().to_string().as_str() {
                        "wait" => written.wait = Some(duration::duration(&value, Zero::Allowed)?),
                        "in" => written.shared = Some(Box::new(shared(value)?)),
                        "fallback" => written.fallback = Some((key, Fallback::parse(&value)?)),
                        name if adaptive::is_key(name) => written.adaptive.option(&key, &value)?,
                        _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
                    }
                }
            }
        }
        let limit_span = written.limit.as_ref().map(|limit| match limit {
            Limit::Lit(lit) => lit.span(),
            Limit::Const(expr) => expr.span(),
        });
        let adaptive = written
            .adaptive
            .resolve(limit_span, written.shared.as_deref())?;
        let permits = match (adaptive, written.limit, written.shared) {
            (Some(adaptive), _, _) => Permits::Adaptive(adaptive),
            (None, Some(limit), Some(_)) => {
                let span = match &limit {
                    Limit::Lit(lit) => lit.span(),
                    Limit::Const(expr) => expr.span(),
                };
                return Err(syn::Error::new(
                    span,
                    "#[bounded] takes either a limit of its own or `in = NAME` (the limit of a shared `Bulkhead`), not both",
                ));
            }
            (None, None, None) => {
                return Err(at.error(
                    "#[bounded] needs a limit: `#[bounded(8)]` for at most 8 calls at once, or `#[bounded(in = NAME)]` to share a `static NAME: taskward::Bulkhead`",
                ));
            }
            (None, Some(limit), None) => Permits::Own(limit),
            (None, None, Some(shared)) => Permits::Shared(shared),
        };
        let fallback = match (written.fallback, &written.wait) {
            (Some((key, _)), None) => {
                return Err(syn::Error::new(
                    key.span(),
                    "a `fallback` of #[bounded] needs `wait = \"...\"`: without it a call waits for its permit as long as it takes, and never fails",
                ));
            }
            (fallback, _) => fallback.map(|(_, fallback)| fallback),
        };
        Ok(Bounded {
            permits,
            wait: written.wait,
            fallback,
        })
    }

    fn validate(&self, _span: Span, func: &AsyncFn) -> syn::Result<()> {
        let Permits::Own(Limit::Const(limit)) = &self.permits else {
            return Ok(());
        };
        let Expr::Path(path) = &**limit else {
            return Ok(());
        };
        let why = match shared::not_const(path, func) {
            None => return Ok(()),
            Some(shared::NotConst::NamesSelf) => "the limit of #[bounded] cannot name `Self`: the bulkhead is a `static` inside the function, which cannot see the impl; move the constant to the module, or keep a `Bulkhead` in the struct and write `in = &self.field`".to_owned(),
            Some(shared::NotConst::Argument(ident)) => format!(
                "`{ident}` is an argument, but the limit of #[bounded] is fixed at compile time (a literal or a `const`); for a limit known at run time, build a `Bulkhead::new({ident})` once and write `in = &bulkhead`"
            ),
            Some(shared::NotConst::ConstParam(ident)) => format!(
                "the limit of #[bounded] cannot be the const parameter `{ident}`: the bulkhead is one `static` for every instantiation; use a literal or a module-level `const`, or `in = EXPR` with a `Bulkhead` of your own"
            ),
        };
        Err(syn::Error::new_spanned(path, why))
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: self.wait.is_some() && self.fallback.is_none(),
            holds_permit: true,
            fallback: self.fallback.is_some(),
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        let limit = match &self.permits {
            Permits::Own(Limit::Lit(lit)) => format!("at most {lit} calls at once"),
            Permits::Own(Limit::Const(expr)) => {
                format!("at most `{}` calls at once", expr.to_token_stream())
            }
            Permits::Shared(shared) => {
                format!("shares the permits of `{}`", shared.to_token_stream())
            }
            Permits::Adaptive(adaptive) => adaptive.policy(),
        };
        let wait = match self.wait.as_ref().and_then(DurationArg::literal) {
            None => "; a call waits for a permit as long as it takes".to_owned(),
            Some(d) if d.is_zero() => {
                "; a call fails with `Error::Rejected` at once when none is free".to_owned()
            }
            Some(d) => format!(
                "; a call fails with `Error::Rejected` after waiting {} for a permit",
                duration::show(d)
            ),
        };
        let fallback = self
            .fallback
            .as_ref()
            .map(Fallback::describe)
            .unwrap_or_default();
        format!("- **bounded**: {limit}{wait}{fallback}.")
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
        if let Permits::Adaptive(adaptive) = &self.permits {
            return adaptive.generate(self, g, i, mode);
        }
        let bulkhead = match &self.permits {
            Permits::Own(limit) => {
                let name = format_ident!("__TASKWARD_BULKHEAD_{}", i, span = m());
                let new = match limit {
                    Limit::Lit(lit) => {
                        let value: usize = lit.base10_parse().unwrap_or(1);
                        let value = quote_spanned!(lit.span()=> #value);
                        // Located at the limit.
                        quote_spanned!(m().located_at(lit.span())=> ::taskward::Bulkhead::new(#value))
                    }
                    Limit::Const(expr) => {
                        // Any unsigned integer `const` (checked, with a message), as a `usize`;
                        // located at the limit: a limit of zero fails there when evaluated.
                        let at = m().located_at(expr.span());
                        quote_spanned! {at=>
                            ::taskward::Bulkhead::new(::taskward::__private::bounded::limit(#expr) as usize)
                        }
                    }
                };
                g.prelude.extend(quote_spanned! {m()=>
                    static #name: ::taskward::Bulkhead = #new;
                });
                quote_spanned!(m()=> &#name)
            }
            Permits::Shared(shared) => shared::reference(
                g,
                i,
                shared,
                &shared::Kind {
                    ty: quote_spanned!(m()=> ::taskward::Bulkhead),
                    handle: quote_spanned!(m()=> ::taskward::__private::bounded::handle),
                    static_prefix: "__TASKWARD_SHARED",
                    handle_prefix: "__taskward_bulkhead",
                },
            ),
            Permits::Adaptive(_) => unreachable!("generated above"),
        };
        // With a fallback, the body runs on copies of the arguments.
        let mode = Mode {
            rerun: mode.rerun || self.fallback.is_some(),
        };
        let (inner, inner_fallible) = g.chain(i + 1, mode);
        match &self.wait {
            None => (
                Code::Value(quote_spanned! {m()=>
                    {
                        let __taskward_permit = ::taskward::__private::bounded::acquire(#bulkhead, &__TASKWARD_META).await;
                        #inner.await
                    }
                }),
                inner_fallible,
            ),
            Some(wait) => {
                let wait = g.duration_arg(i, wait);
                let inner = if inner_fallible {
                    quote_spanned!(m()=> #inner.await)
                } else {
                    quote_spanned!(m()=> ::taskward::__private::Ok(#inner.await))
                };
                let layer = Code::Value(quote_spanned! {m()=>
                    {
                        match ::taskward::__private::bounded::acquire_within(#bulkhead, &__TASKWARD_META, #wait).await {
                            ::taskward::__private::Ok(__taskward_permit) => #inner,
                            ::taskward::__private::Err(__taskward_error) => ::taskward::__private::Err(__taskward_error),
                        }
                    }
                });
                match &self.fallback {
                    Some(fallback) => fallback.wrap(g, layer),
                    None => (layer, true),
                }
            }
        }
    }
}

/// `Bulkhead::MAX_LIMIT` on a 64-bit target (tokio's `Semaphore::MAX_PERMITS`, `usize::MAX >> 3`);
/// on a smaller target the `static`'s evaluation checks the rest.
const MAX_LIMIT: usize = (1 << 61) - 1;

fn limit(expr: Expr) -> syn::Result<Limit> {
    const WHAT: &str = "the limit of #[bounded] must be a positive integer (at most this many calls run at once), such as `8`, or the path of a `const`";
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => {
            if !matches!(
                lit.suffix(),
                "" | "usize" | "u8" | "u16" | "u32" | "u64" | "u128"
            ) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "the limit of #[bounded] is an unsigned integer: drop the `{}` suffix",
                        lit.suffix()
                    ),
                ));
            }
            match lit.base10_parse::<usize>() {
                Ok(0) => Err(syn::Error::new(
                    lit.span(),
                    "#[bounded(0)] would never let a call run; the limit must be at least 1",
                )),
                Ok(n) if n > MAX_LIMIT => Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "this limit is above the most a `Bulkhead` holds, `Bulkhead::MAX_LIMIT` ({MAX_LIMIT}); for no limit at all, remove #[bounded]"
                    ),
                )),
                Ok(_) => Ok(Limit::Lit(lit)),
                Err(_) => Err(syn::Error::new(
                    lit.span(),
                    "this limit does not fit in a `usize`",
                )),
            }
        }
        Expr::Path(path) if path.qself.is_none() => Ok(Limit::Const(Box::new(Expr::Path(path)))),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Err(syn::Error::new(
            lit.span(),
            format!(
                "the limit of #[bounded] is a number, not a string: write `{}`",
                lit.value()
            ),
        )),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => Err(syn::Error::new_spanned(
            &expr,
            "the limit of #[bounded] must be positive: at most this many calls run at once",
        )),
        other => Err(syn::Error::new_spanned(&other, WHAT)),
    }
}

fn shared(expr: Expr) -> syn::Result<Expr> {
    match expr {
        Expr::Path(path)
            if path
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "Self") =>
        {
            Err(syn::Error::new_spanned(
                &path,
                "`in` cannot name an associated constant: a `const` bulkhead is a new one at every use, so it would limit nothing; declare a `static` in the module, or keep a `Bulkhead` in the struct and write `in = &self.field`",
            ))
        }
        Expr::Lit(lit) => Err(syn::Error::new_spanned(
            &lit,
            "`in` takes the bulkhead to share: the name of a `static NAME: taskward::Bulkhead`, or an expression giving a `&Bulkhead` or `&Arc<Bulkhead>` (such as `&self.slots`); for a limit of the function's own, write `#[bounded(8)]`",
        )),
        other => Ok(other),
    }
}

// `#[bounded(adaptive)]`: its options, checks and code.
mod adaptive;

#[cfg(test)]
mod tests;
