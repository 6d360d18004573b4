//! The attributes: one module each, holding its options (as written and as resolved), their
//! parsing and checks, its line of the `# Concurrency policy` section and its code generation.
//!
//! The [`attributes!`] list below is the one place that names them all: it makes the [`Kind`] and
//! [`Opts`] enums and their dispatch (exhaustive matches, static dispatch). The stages of the
//! pipeline know the attributes only through [`Attribute`] and the capabilities ([`Caps`]) each
//! declares, so that a check about "something that holds a permit around something that runs the
//! body again" is written once, not once per pair of attributes.
//!
//! Adding an attribute: see `CONTRIBUTING.md` at the root of the repository.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};

use crate::generate::{Code, Gen, Mode};
use crate::item::AsyncFn;
use crate::options::RawArg;

pub mod blocking;
pub mod bounded;
pub mod circuit_breaker;
pub mod graceful;
pub mod retry;
pub mod supervised;
pub mod with_timeout;

pub mod rate_limited;

pub mod hedged;

pub mod coalesce;

pub mod check;

/// What every attribute module provides.
pub trait Attribute: Sized {
    /// The attribute's name, as written in `#[name]`.
    const NAME: &'static str;

    /// The options written `key = value` or as a flag (positional arguments aside), declared once:
    /// the "unknown option" message lists them, and a test checks the docs' table of each.
    const OPTIONS: &'static [&'static str];

    /// Whether the attribute may be written twice on one function, with a layer that runs the
    /// body again between the two (the outer one then applies to the whole call, the inner one to
    /// each run).
    const REPEATS_ACROSS_RERUNS: bool = false;

    /// Reads the arguments as written and resolves them (defaults applied, cross-option checks
    /// done). `at` is the attribute's path, for errors about the attribute as a whole.
    fn parse(at: &At, args: Vec<RawArg>) -> syn::Result<Self>;

    /// What the attribute does, as the stack's checks and the code generation need to know.
    fn caps(&self) -> Caps;

    /// Checks against the function, beyond those every attribute shares.
    fn validate(&self, _span: Span, _func: &AsyncFn) -> syn::Result<()> {
        Ok(())
    }

    /// The attribute's line in the `# Concurrency policy` section of the function's docs.
    fn policy(&self) -> String;

    /// The code of layer `i`: it wraps the future of the layers inside (`g.chain(i + 1, mode)`).
    /// Returns the code and whether it yields `Result<_, taskward::Error>`.
    fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool);
}

/// The capabilities of an attribute with its options: the stack lints and the signature rule are
/// written against these.
#[derive(Clone, Copy, Default)]
pub struct Caps {
    /// The wrapper can fail with a `taskward::Error`, so the signature must carry one.
    pub fails: bool,
    /// The body runs more than once under this attribute.
    pub reruns: Option<Rerun>,
    /// A permit is held while the layers inside run.
    pub holds_permit: bool,
    /// A deadline over the layers inside, when it is a literal.
    pub deadline: Option<Duration>,
    /// The body runs on copies of the arguments, which go on to a `fallback` when it fails.
    pub fallback: bool,
    /// The attribute takes a plain `fn` and runs its body itself, off the async executor
    /// (`#[blocking]`): the function becomes an `async fn`, and the attribute is the innermost of
    /// the stack (the layers above wrap the future of its call).
    pub plain_fn: bool,
    /// The layer reads the deadlines of the `#[with_timeout]` layers above it in the stack: they
    /// publish their deadline `Instant` to it (`#[retry]`'s backoff never sleeps past one).
    pub reads_deadlines: bool,
    /// The layer acts on the `Err` of the layers inside, so the function must return a `Result`
    /// or a layer inside must be able to fail; the reason, for the message ("runs the body again
    /// when it returns an `Err`").
    pub needs_err: Option<&'static str>,
    /// The runs of the body overlap (`#[hedged]`): they do not follow one another after a
    /// backoff, so the lints about what a rerun waits for do not apply.
    pub concurrent_runs: bool,
    /// The layer must be the outermost of the stack (`#[coalesce]`: the callers share the whole
    /// call, every other layer included).
    pub outermost: bool,
}

/// How an attribute runs the body again, for the messages and the latency budget.
#[derive(Clone, Copy)]
pub struct Rerun {
    /// The word for one more run: "restart".
    pub noun: &'static str,
    /// Its plural, for the names of the lints: "restarts".
    pub plural: &'static str,
    /// The shortest wait before the body runs again.
    pub first_delay: Duration,
    /// When the runs of one call are bounded in number (`#[retry]`'s `attempts`), what all of
    /// them need; `None` for a layer that reruns until a budget over time is spent.
    pub bounded: Option<Runs>,
}

/// The runs of a layer that runs the body at most so many times, for the latency budget.
#[derive(Clone, Copy)]
pub struct Runs {
    /// The most runs of one call, the first included.
    pub most: u32,
    /// The backoff delays between them, all added, in the shortest case (with jitter, every
    /// delay at its lower end).
    pub backoffs: Duration,
    /// A cap on the whole call within which every run must begin, if any (`#[retry]`'s `total`).
    pub total: Option<Duration>,
}

/// Where an error about an attribute as a whole points: the whole of its path as written
/// (`taskward::bounded`, every segment underlined), or the invoked attribute (the call site).
#[derive(Clone)]
pub struct At(Option<syn::Path>);

impl At {
    pub fn call_site() -> At {
        At(None)
    }

    pub fn path(path: &syn::Path) -> At {
        At(Some(path.clone()))
    }

    pub fn error(&self, message: impl core::fmt::Display) -> syn::Error {
        match &self.0 {
            Some(path) => syn::Error::new_spanned(path, message),
            None => syn::Error::new(Span::call_site(), message),
        }
    }

    /// One span for it (a warning takes one): the path's first token.
    pub fn span(&self) -> Span {
        match &self.0 {
            Some(path) => syn::spanned::Spanned::span(path),
            None => Span::call_site(),
        }
    }
}

/// One taskward attribute of a stack, parsed.
#[derive(Clone)]
pub struct Attr {
    /// The attribute's path as written (`bounded`, `taskward::bounded`): errors about the attribute
    /// as a whole point here.
    pub span: Span,
    /// The path of an attribute taken off the function (not the invoked one), so that the user's
    /// `use` of it still counts as used.
    pub path: Option<syn::Path>,
    /// The stack lints acknowledged and the checks turned off on this attribute:
    /// `allow(permit_held_across_restarts)`, `allow(blocking)`.
    pub allow: Vec<syn::Ident>,
    /// `crate = path`: where the `taskward` crate is, when the dependency is renamed.
    pub krate: Option<syn::Path>,
    pub opts: Opts,
}

impl Attr {
    /// Parses the arguments of one attribute; `at` is the attribute's path.
    pub fn parse(kind: Kind, at: &At, args: TokenStream) -> syn::Result<Attr> {
        let mut raw = crate::options::parse_raw(args)?;
        let allow =
            crate::options::take_allows(&mut raw, crate::lints::NAMES, crate::check::NAMES)?;
        let krate = crate::options::take_crate(&mut raw)?;
        Ok(Attr {
            span: at.span(),
            path: None,
            allow,
            krate,
            opts: Opts::parse(kind, at, raw)?,
        })
    }

    pub fn kind(&self) -> Kind {
        self.opts.kind()
    }

    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    pub fn caps(&self) -> Caps {
        self.opts.caps()
    }
}

/// Makes [`Kind`] (the attributes), [`Opts`] (one attribute's resolved options) and their
/// dispatch from the list of attribute modules.
macro_rules! attributes {
    ($($variant:ident => $module:ident :: $ty:ident,)*) => {
        /// The taskward attributes, in the order of the crate docs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            pub const ALL: &[Kind] = &[$(Kind::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$module::$ty as Attribute>::NAME,)*
                }
            }

            pub fn options(self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant => <$module::$ty as Attribute>::OPTIONS,)*
                }
            }

            /// See [`Attribute::REPEATS_ACROSS_RERUNS`].
            pub fn repeats_across_reruns(self) -> bool {
                match self {
                    $(Kind::$variant => <$module::$ty as Attribute>::REPEATS_ACROSS_RERUNS,)*
                }
            }

            pub fn from_name(name: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|kind| kind.name() == name)
            }
        }

        /// The resolved options of one attribute.
        #[derive(Clone)]
        pub enum Opts {
            $($variant($module::$ty),)*
        }

        impl Opts {
            fn parse(kind: Kind, at: &At, args: Vec<RawArg>) -> syn::Result<Opts> {
                Ok(match kind {
                    $(Kind::$variant => Opts::$variant(<$module::$ty as Attribute>::parse(at, args)?),)*
                })
            }

            pub fn kind(&self) -> Kind {
                match self {
                    $(Opts::$variant(_) => Kind::$variant,)*
                }
            }

            pub fn caps(&self) -> Caps {
                match self {
                    $(Opts::$variant(opts) => opts.caps(),)*
                }
            }

            pub fn validate(&self, span: Span, func: &AsyncFn) -> syn::Result<()> {
                match self {
                    $(Opts::$variant(opts) => opts.validate(span, func),)*
                }
            }

            pub fn policy(&self) -> String {
                match self {
                    $(Opts::$variant(opts) => opts.policy(),)*
                }
            }

            pub fn generate(&self, g: &mut Gen<'_>, i: usize, mode: Mode) -> (Code, bool) {
                match self {
                    $(Opts::$variant(opts) => opts.generate(g, i, mode),)*
                }
            }
        }
    };
}

attributes! {
    Bounded => bounded::Bounded,
    WithTimeout => with_timeout::WithTimeout,
    Supervised => supervised::Supervised,
    Graceful => graceful::Graceful,
    Blocking => blocking::Blocking,
    Retry => retry::Retry,
    RateLimited => rate_limited::RateLimited,
    CircuitBreaker => circuit_breaker::CircuitBreaker,
    Hedged => hedged::Hedged,
    Coalesce => coalesce::Coalesce,
    Check => check::Check,
}

#[cfg(test)]
mod tests;
