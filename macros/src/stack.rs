//! The stack: the invoked attribute and every taskward attribute below it, in written order
//! (outermost first), taken off the function so that one expansion handles them all.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Meta};

use crate::attr::{Attr, Kind, Opts};
use crate::item::AsyncFn;

pub struct Stack {
    /// Outermost first.
    pub layers: Vec<Attr>,
}

/// The kind of a taskward attribute written as `name` or `taskward::name` (`::taskward::name`).
pub fn kind_of(attr: &Attribute) -> Option<Kind> {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = match segments.as_slice() {
        [name] if path.leading_colon.is_none() => name,
        [krate, name] if krate == "taskward" => name,
        _ => return None,
    };
    Kind::from_name(name)
}

/// Takes the taskward attributes off `func` and parses them, below the invoked attribute `first`
/// (of kind `first_kind`, parsed or not). Every mistake found is reported, each once.
pub fn collect(
    first_kind: Kind,
    first: syn::Result<Attr>,
    func: &mut AsyncFn,
) -> syn::Result<Stack> {
    let mut kinds = vec![first_kind];
    let mut layers = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_err = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };
    match first {
        Ok(first) => layers.push(first),
        Err(err) => push_err(err),
    }
    let mut kept = Vec::with_capacity(func.attrs.len());
    for attr in core::mem::take(&mut func.attrs) {
        let Some(kind) = kind_of(&attr) else {
            kept.push(attr);
            continue;
        };
        let span = attr.path().span();
        let args = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                push_err(syn::Error::new(
                    nv.eq_token.span,
                    format!(
                        "write #[{}(...)], not #[{} = ...]",
                        kind.name(),
                        kind.name()
                    ),
                ));
                continue;
            }
        };
        if kinds.contains(&kind) {
            push_err(syn::Error::new(
                span,
                format!(
                    "#[{}] is already on this function; use it once and put all its options there",
                    kind.name()
                ),
            ));
            continue;
        }
        kinds.push(kind);
        match Attr::parse(kind, span, args) {
            Ok(mut layer) => {
                layer.path = Some(attr.path().clone());
                layers.push(layer);
            }
            Err(err) => push_err(err),
        }
    }
    func.attrs = kept;
    match errors {
        Some(err) => Err(err),
        None => Ok(Stack { layers }),
    }
}

/// Strips the taskward attributes from a function that is emitted as it was (on error), so that
/// they do not expand again and repeat the error.
pub fn strip(func: &mut AsyncFn) {
    func.attrs.retain(|attr| kind_of(attr).is_none());
}

impl Stack {
    pub fn can_fail(&self) -> bool {
        self.layers.iter().any(Attr::can_fail)
    }

    pub fn reruns(&self) -> bool {
        self.layers.iter().any(|layer| layer.kind.reruns())
    }

    pub fn position(&self, kind: Kind) -> Option<usize> {
        self.layers.iter().position(|layer| layer.kind == kind)
    }

    /// Order findings that are almost always a mistake: returned as soft warnings.
    /// Each is (where, a name for the warning, the message).
    pub fn order_warnings(&self) -> Vec<(Span, &'static str, String)> {
        let mut warnings = Vec::new();
        if let (Some(bounded), Some(supervised)) = (
            self.position(Kind::Bounded),
            self.position(Kind::Supervised),
        ) && bounded < supervised
        {
            warnings.push((
                self.layers[bounded].span,
                "bounded_above_supervised",
                "#[bounded] above #[supervised] holds its permit through every restart and backoff sleep; put #[bounded] below #[supervised] to hold it only while a run is in progress".to_owned(),
            ));
        }
        if let Some(warning) = self.deadline_before_restart() {
            warnings.push(warning);
        }
        warnings
    }

    /// The latency budget of a `#[with_timeout]` around `#[supervised]`: when the deadline ends
    /// before the first restart could even begin (a run cut by its own per-run deadline, then the
    /// shortest backoff), the supervision can never restart anything.
    fn deadline_before_restart(&self) -> Option<(Span, &'static str, String)> {
        let supervised = self.position(Kind::Supervised)?;
        let Opts::Supervised(policy) = &self.layers[supervised].opts else {
            return None;
        };
        let literal_timeout = |layer: &Attr| match &layer.opts {
            Opts::WithTimeout(opts) => opts.limit.literal(),
            _ => None,
        };
        let (outer_layer, outer) = self.layers[..supervised]
            .iter()
            .find_map(|layer| literal_timeout(layer).map(|limit| (layer, limit)))?;
        let per_run = self.layers[supervised + 1..]
            .iter()
            .find_map(literal_timeout)
            .unwrap_or_default();
        let first_restart = per_run.saturating_add(policy.backoff_min);
        (outer <= first_restart).then(|| {
            let show = |d| humantime::format_duration(d).to_string();
            let why = if per_run.is_zero() {
                format!("the shortest backoff ({})", show(policy.backoff_min))
            } else {
                format!(
                    "a run cut at its own deadline ({}) and the shortest backoff ({})",
                    show(per_run),
                    show(policy.backoff_min)
                )
            };
            (
                outer_layer.span,
                "deadline_before_first_restart",
                format!(
                    "the deadline of {} ends before #[supervised] could restart anything: the first restart needs {why}; lengthen the deadline or shorten the backoff",
                    show(outer)
                ),
            )
        })
    }
}
