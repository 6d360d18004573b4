//! Parsing of attribute arguments into one typed options struct per attribute.
//!
//! Arguments are first read as a list of positional expressions and `key = value` pairs
//! ([`RawArg`]); each attribute then takes them one by one with a `set_*` step that checks for
//! duplicates, the kind of value and the value itself, with the error on the offending tokens.

use core::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Token};

/// The taskward attributes, in the order of the crate docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bounded,
    WithTimeout,
    Supervised,
    Graceful,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Bounded,
        Kind::WithTimeout,
        Kind::Supervised,
        Kind::Graceful,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Bounded => "bounded",
            Kind::WithTimeout => "with_timeout",
            Kind::Supervised => "supervised",
            Kind::Graceful => "graceful",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether a body under this attribute runs more than once.
    pub fn reruns(self) -> bool {
        matches!(self, Kind::Supervised)
    }
}

/// One argument as written: `8`, `"2s"`, `cancel`, `wait = "100ms"`, `in = POOL`.
pub enum RawArg {
    Positional(Expr),
    Named { key: Ident, value: Expr },
}

impl Parse for RawArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if (input.peek(Ident::peek_any) || input.peek(Token![in]))
            && input.peek2(Token![=])
            && !input.peek2(Token![==])
        {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            Ok(RawArg::Named { key, value })
        } else {
            Ok(RawArg::Positional(input.parse()?))
        }
    }
}

fn parse_raw(tokens: TokenStream) -> syn::Result<Vec<RawArg>> {
    let parsed = Punctuated::<RawArg, Token![,]>::parse_terminated.parse2(tokens)?;
    Ok(parsed.into_iter().collect())
}

/// A duration as written in an attribute.
#[derive(Clone)]
pub enum DurationArg {
    /// A checked literal such as `"250ms"`.
    Lit { value: Duration, span: Span },
    /// Any expression of type `Duration`, evaluated when the function is called.
    Expr(Box<Expr>),
}

impl DurationArg {
    pub fn literal(&self) -> Option<Duration> {
        match self {
            DurationArg::Lit { value, .. } => Some(*value),
            DurationArg::Expr(_) => None,
        }
    }
}

/// The limit of `#[bounded]`.
#[derive(Clone)]
pub enum Limit {
    /// A literal, checked to be at least 1.
    Lit(LitInt),
    /// A constant, checked by the compiler when the `static` is evaluated.
    Const(Box<Expr>),
}

#[derive(Clone, Default)]
pub struct BoundedOpts {
    pub limit: Option<Limit>,
    pub wait: Option<DurationArg>,
    /// `in = NAME`: a shared `static NAME: Bulkhead`.
    pub shared: Option<Box<Expr>>,
}

#[derive(Clone)]
pub struct TimeoutOpts {
    pub limit: DurationArg,
}

#[derive(Clone)]
pub struct SupervisedOpts {
    pub restarts: u32,
    pub within: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub jitter: bool,
    pub always: bool,
}

impl SupervisedOpts {
    pub const DEFAULT_RESTARTS: u32 = 5;
    pub const DEFAULT_WITHIN: Duration = Duration::from_secs(60);
    pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(100);
    pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(10);
}

impl Default for SupervisedOpts {
    fn default() -> Self {
        SupervisedOpts {
            restarts: Self::DEFAULT_RESTARTS,
            within: Self::DEFAULT_WITHIN,
            backoff_min: Self::DEFAULT_BACKOFF_MIN,
            backoff_max: Self::DEFAULT_BACKOFF_MAX,
            jitter: true,
            always: false,
        }
    }
}

#[derive(Clone, Default)]
pub struct GracefulOpts {
    pub cancel: bool,
    /// `in = EXPR`: an expression giving `&Shutdown`.
    pub shutdown: Option<Box<Expr>>,
}

#[derive(Clone)]
pub enum Opts {
    Bounded(BoundedOpts),
    WithTimeout(TimeoutOpts),
    Supervised(SupervisedOpts),
    Graceful(GracefulOpts),
}

/// One taskward attribute of a stack, parsed.
#[derive(Clone)]
pub struct Attr {
    pub kind: Kind,
    /// The attribute's path as written (`bounded`, `taskward::bounded`): errors about the attribute
    /// as a whole point here.
    pub span: Span,
    /// The path of an attribute taken off the function (not the invoked one), so that the user's
    /// `use` of it still counts as used.
    pub path: Option<syn::Path>,
    pub opts: Opts,
}

impl Attr {
    /// Parses the arguments of one attribute; `span` is the attribute's name.
    pub fn parse(kind: Kind, span: Span, args: TokenStream) -> syn::Result<Attr> {
        let raw = parse_raw(args)?;
        let opts = match kind {
            Kind::Bounded => Opts::Bounded(parse_bounded(span, raw)?),
            Kind::WithTimeout => Opts::WithTimeout(parse_timeout(span, raw)?),
            Kind::Supervised => Opts::Supervised(parse_supervised(raw)?),
            Kind::Graceful => Opts::Graceful(parse_graceful(raw)?),
        };
        Ok(Attr {
            kind,
            span,
            path: None,
            opts,
        })
    }

    /// Whether the wrapper can fail with a `taskward::Error` (and so touches the signature).
    pub fn can_fail(&self) -> bool {
        match &self.opts {
            Opts::Bounded(opts) => opts.wait.is_some(),
            Opts::WithTimeout(_) | Opts::Supervised(_) | Opts::Graceful(_) => true,
        }
    }
}

/// Remembers which options were given, so that a second one is an error on its key.
struct Seen(Vec<String>);

impl Seen {
    fn new() -> Self {
        Seen(Vec::new())
    }

    fn first(&mut self, key: &Ident) -> syn::Result<()> {
        let name = key.unraw().to_string();
        if self.0.contains(&name) {
            return Err(syn::Error::new(
                key.span(),
                format!("`{name}` is given twice; keep one"),
            ));
        }
        self.0.push(name);
        Ok(())
    }
}

fn unknown(kind: Kind, key: &Ident, valid: &[&str]) -> syn::Error {
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    syn::Error::new(
        key.span(),
        format!(
            "unknown option `{}` for #[{}]; the options are {list}",
            key.unraw(),
            kind.name()
        ),
    )
}

fn parse_bounded(attr_span: Span, raw: Vec<RawArg>) -> syn::Result<BoundedOpts> {
    const VALID: &[&str] = &["wait", "in"];
    let mut opts = BoundedOpts::default();
    let mut seen = Seen::new();
    for (i, arg) in raw.into_iter().enumerate() {
        match arg {
            RawArg::Positional(expr) if i == 0 => opts.limit = Some(limit(expr)?),
            RawArg::Positional(expr) => {
                return Err(syn::Error::new_spanned(
                    &expr,
                    "the limit comes first; other options are written `key = value`: `wait = \"100ms\"`, `in = NAME`",
                ));
            }
            RawArg::Named { key, value } => {
                seen.first(&key)?;
                match key.unraw().to_string().as_str() {
                    "wait" => opts.wait = Some(duration(&value, Zero::Allowed)?),
                    "in" => opts.shared = Some(Box::new(shared_path(value)?)),
                    _ => return Err(unknown(Kind::Bounded, &key, VALID)),
                }
            }
        }
    }
    match (&opts.limit, &opts.shared) {
        (Some(limit), Some(shared)) => {
            let span = match limit {
                Limit::Lit(lit) => lit.span(),
                Limit::Const(expr) => expr.span(),
            };
            let _ = shared;
            Err(syn::Error::new(
                span,
                "#[bounded] takes either a limit of its own or `in = NAME` (the limit of a shared `Bulkhead`), not both",
            ))
        }
        (None, None) => Err(syn::Error::new(
            attr_span,
            "#[bounded] needs a limit: `#[bounded(8)]` for at most 8 calls at once, or `#[bounded(in = NAME)]` to share a `static NAME: taskward::Bulkhead`",
        )),
        _ => Ok(opts),
    }
}

fn limit(expr: Expr) -> syn::Result<Limit> {
    const WHAT: &str = "the limit of #[bounded] must be a positive integer (at most this many calls run at once), such as `8`, or the path of a `const`";
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => {
            if !matches!(lit.suffix(), "" | "usize") {
                return Err(syn::Error::new(
                    lit.span(),
                    "the limit of #[bounded] is a `usize`: drop the suffix",
                ));
            }
            match lit.base10_parse::<usize>() {
                Ok(0) => Err(syn::Error::new(
                    lit.span(),
                    "#[bounded(0)] would never let a call run; the limit must be at least 1",
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

fn shared_path(expr: Expr) -> syn::Result<Expr> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => Ok(Expr::Path(path)),
        other => Err(syn::Error::new_spanned(
            &other,
            "`in` takes the name of a `static NAME: taskward::Bulkhead = taskward::Bulkhead::new(n);`",
        )),
    }
}

fn parse_timeout(attr_span: Span, raw: Vec<RawArg>) -> syn::Result<TimeoutOpts> {
    let mut limit = None;
    for arg in raw {
        match arg {
            RawArg::Positional(expr) if limit.is_none() => {
                limit = Some(match &expr {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(_), ..
                    }) => duration(&expr, Zero::Denied)?,
                    Expr::Lit(ExprLit { lit, .. }) => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "a duration is written as a string with a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"`, or as an expression of type `Duration`",
                        ));
                    }
                    _ => DurationArg::Expr(Box::new(expr)),
                });
            }
            RawArg::Positional(expr) => {
                return Err(syn::Error::new_spanned(
                    &expr,
                    "#[with_timeout] takes one duration, such as `#[with_timeout(\"2s\")]`",
                ));
            }
            RawArg::Named { key, .. } => return Err(unknown(Kind::WithTimeout, &key, &[])),
        }
    }
    match limit {
        Some(limit) => Ok(TimeoutOpts { limit }),
        None => Err(syn::Error::new(
            attr_span,
            "#[with_timeout] needs a duration: `#[with_timeout(\"2s\")]`, or an expression of type `Duration`",
        )),
    }
}

fn parse_supervised(raw: Vec<RawArg>) -> syn::Result<SupervisedOpts> {
    const VALID: &[&str] = &["restarts", "within", "backoff", "jitter", "restart"];
    let mut opts = SupervisedOpts::default();
    let mut seen = Seen::new();
    for arg in raw {
        let (key, value) = match arg {
            RawArg::Named { key, value } => (key, value),
            RawArg::Positional(expr) => {
                return Err(syn::Error::new_spanned(
                    &expr,
                    "#[supervised] takes options written `key = value`: `restarts = 5`, `within = \"60s\"`, `backoff = \"100ms..10s\"`, `jitter = false`, `restart = \"always\"`",
                ));
            }
        };
        seen.first(&key)?;
        match key.unraw().to_string().as_str() {
            "restarts" => {
                let lit = int_lit(
                    &value,
                    "`restarts` is how many restarts are allowed within `within`: a positive integer such as `5`",
                )?;
                opts.restarts = match lit.base10_parse::<u32>() {
                    Ok(0) => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "`restarts = 0` would never restart: remove #[supervised] instead, or allow at least 1",
                        ));
                    }
                    Ok(n) => n,
                    Err(_) => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "this number does not fit in a `u32`",
                        ));
                    }
                };
            }
            "within" => {
                opts.within = duration(&value, Zero::Denied)?.literal().ok_or_else(|| {
                    syn::Error::new_spanned(
                        &value,
                        "`within` takes a duration literal such as `\"60s\"`",
                    )
                })?;
            }
            "backoff" => {
                let (min, max) = range(&value)?;
                opts.backoff_min = min;
                opts.backoff_max = max;
            }
            "jitter" => opts.jitter = bool_lit(&value, "`jitter` is `true` or `false`")?,
            "restart" => {
                let lit = str_lit(&value, "`restart` is `\"on_failure\"` or `\"always\"`")?;
                opts.always = match lit.value().as_str() {
                    "on_failure" => false,
                    "always" => true,
                    other => {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!(
                                "unknown restart mode `{other}`: write `\"on_failure\"` (an `Ok` ends the call; the default) or `\"always\"` (a worker that must never end: an `Ok` is restarted too)"
                            ),
                        ));
                    }
                };
            }
            _ => return Err(unknown(Kind::Supervised, &key, VALID)),
        }
    }
    Ok(opts)
}

fn parse_graceful(raw: Vec<RawArg>) -> syn::Result<GracefulOpts> {
    const VALID: &[&str] = &["cancel", "in"];
    let mut opts = GracefulOpts::default();
    let mut seen = Seen::new();
    for arg in raw {
        match arg {
            RawArg::Positional(Expr::Path(path))
                if path.qself.is_none() && path.path.get_ident().is_some() =>
            {
                let key = path
                    .path
                    .get_ident()
                    .cloned()
                    .unwrap_or_else(|| Ident::new("cancel", path.span()));
                seen.first(&key)?;
                if key == "cancel" {
                    opts.cancel = true;
                } else {
                    return Err(unknown(Kind::Graceful, &key, VALID));
                }
            }
            RawArg::Positional(expr) => {
                return Err(syn::Error::new_spanned(
                    &expr,
                    "#[graceful] takes `cancel` and `in = EXPR` (an expression giving `&taskward::Shutdown`)",
                ));
            }
            RawArg::Named { key, value } => {
                seen.first(&key)?;
                match key.unraw().to_string().as_str() {
                    "in" => opts.shutdown = Some(Box::new(value)),
                    "cancel" => {
                        return Err(syn::Error::new(
                            key.span(),
                            "`cancel` is a flag: write `#[graceful(cancel)]`",
                        ));
                    }
                    _ => return Err(unknown(Kind::Graceful, &key, VALID)),
                }
            }
        }
    }
    Ok(opts)
}

fn int_lit<'a>(expr: &'a Expr, what: &str) -> syn::Result<&'a LitInt> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

fn str_lit<'a>(expr: &'a Expr, what: &str) -> syn::Result<&'a LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

fn bool_lit(expr: &Expr, what: &str) -> syn::Result<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Ok(lit.value),
        other => Err(syn::Error::new_spanned(other, what)),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Zero {
    Allowed,
    Denied,
}

const UNITS: &str = "ns, us, ms, s, m, h, d";

/// A duration literal, checked now: `"250ms"`, `"1m 30s"`.
fn duration(expr: &Expr, zero: Zero) -> syn::Result<DurationArg> {
    let lit = str_lit(
        expr,
        "a duration is written as a string with a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"`",
    )?;
    let value =
        parse_duration_text(&lit.value(), zero).map_err(|msg| syn::Error::new(lit.span(), msg))?;
    Ok(DurationArg::Lit {
        value,
        span: lit.span(),
    })
}

fn parse_duration_text(text: &str, zero: Zero) -> Result<Duration, String> {
    let value = humantime::parse_duration(text).map_err(|err| match err {
        humantime::DurationError::UnknownUnit { unit, value, .. } if unit.is_empty() => {
            format!("`{text}` has no unit: write `\"{value}ms\"` or `\"{value}s\"` (units: {UNITS})")
        }
        humantime::DurationError::UnknownUnit { unit, .. } => {
            format!("`{unit}` is not a unit of time; the units are {UNITS}")
        }
        humantime::DurationError::Empty => {
            format!("the duration is empty; write one such as `\"250ms\"` or `\"2s\"` (units: {UNITS})")
        }
        humantime::DurationError::NumberOverflow => {
            format!("`{text}` is too large to be a duration")
        }
        _ => format!(
            "`{text}` is not a duration: write a number and a unit, such as `\"250ms\"`, `\"2s\"` or `\"1m 30s\"` (units: {UNITS})"
        ),
    })?;
    if value.is_zero() && zero == Zero::Denied {
        return Err(format!(
            "`{text}` is zero; this duration must be above zero"
        ));
    }
    Ok(value)
}

/// A backoff range, `"100ms..10s"`: both ends above zero and `min <= max`.
fn range(expr: &Expr) -> syn::Result<(Duration, Duration)> {
    let lit = str_lit(
        expr,
        "`backoff` is a range of durations, such as `\"100ms..10s\"`",
    )?;
    let text = lit.value();
    let err = |msg: String| syn::Error::new(lit.span(), msg);
    let Some((min, max)) = text.split_once("..") else {
        return Err(err(format!(
            "`{text}` is not a range: write the shortest and the longest delay as `\"100ms..10s\"`"
        )));
    };
    let min = parse_duration_text(min.trim(), Zero::Allowed).map_err(err)?;
    let max =
        parse_duration_text(max.trim_start_matches('=').trim(), Zero::Allowed).map_err(err)?;
    if min.is_zero() || max.is_zero() {
        return Err(err(format!(
            "`{text}`: both ends of `backoff` must be above zero (the shortest delay first, as in `\"100ms..10s\"`)"
        )));
    }
    if min > max {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{text}` is inverted: the shortest delay comes first, as in `\"{}..{}\"`",
                humantime::format_duration(max),
                humantime::format_duration(min)
            ),
        ));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_fail_with_reasons() {
        assert_eq!(
            parse_duration_text("1m 30s", Zero::Denied),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(parse_duration_text("0s", Zero::Allowed), Ok(Duration::ZERO));
        assert!(
            parse_duration_text("0s", Zero::Denied)
                .unwrap_err()
                .contains("zero")
        );
        assert!(
            parse_duration_text("100", Zero::Denied)
                .unwrap_err()
                .contains("no unit")
        );
        assert!(
            parse_duration_text("5 parsecs", Zero::Denied)
                .unwrap_err()
                .contains("not a unit")
        );
        assert!(
            parse_duration_text("99999999999999999999999s", Zero::Denied)
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn ranges_are_ordered() {
        let expr: Expr = syn::parse_quote!("100ms..10s");
        assert_eq!(
            range(&expr).unwrap(),
            (Duration::from_millis(100), Duration::from_secs(10))
        );
        let inverted: Expr = syn::parse_quote!("10s..1s");
        assert!(
            range(&inverted)
                .unwrap_err()
                .to_string()
                .contains("inverted")
        );
    }
}
