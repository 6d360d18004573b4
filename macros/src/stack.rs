//! The stack: the invoked attribute and every taskward attribute below it, in written order
//! (outermost first), taken off the function so that one expansion handles them all.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Meta};

use crate::attrs::{At, Attr, Kind, Rerun};
use crate::item::AsyncFn;

pub struct Stack {
    /// Outermost first.
    pub layers: Vec<Attr>,
}

/// The kind of a taskward attribute written as `name` or `taskward::name` (`::taskward::name`),
/// or `tw::name` when the crate is renamed `tw` (or given as `crate = tw`).
pub fn kind_of(attr: &Attribute, krate: Option<&str>) -> Option<Kind> {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let (name, prefix) = segments.split_last()?;
    let prefix = prefix.join("::");
    let known = match prefix.as_str() {
        "" => path.leading_colon.is_none(),
        "taskward" => true,
        other => Some(other) == krate,
    };
    if known { Kind::from_name(name) } else { None }
}

/// Takes the taskward attributes off `func` and parses them, below the invoked attribute `first`
/// (of kind `first_kind`, parsed or not). Every mistake found is reported, each once; an attribute
/// written twice is reported on the second (see [`repeated`]).
pub fn collect(
    first_kind: Kind,
    first: syn::Result<Attr>,
    func: &mut AsyncFn,
    krate: Option<&str>,
) -> syn::Result<Stack> {
    // Every taskward attribute in written order, parsed or not (a malformed one still counts
    // for the duplicate check).
    let mut written: Vec<(Kind, Span, Option<Attr>)> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_err = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };
    match first {
        Ok(first) => written.push((first_kind, first.span, Some(first))),
        Err(err) => {
            push_err(err);
            written.push((first_kind, Span::call_site(), None));
        }
    }
    let mut kept = Vec::with_capacity(func.attrs.len());
    for attr in core::mem::take(&mut func.attrs) {
        let Some(kind) = kind_of(&attr, krate) else {
            kept.push(attr);
            continue;
        };
        let at = At::path(attr.path());
        let span = at.span();
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
        if let Some(err) = repeated(&written, kind, &at) {
            push_err(err);
            continue;
        }
        match Attr::parse(kind, &at, args) {
            Ok(mut layer) => {
                layer.path = Some(attr.path().clone());
                written.push((kind, span, Some(layer)));
            }
            Err(err) => {
                push_err(err);
                written.push((kind, span, None));
            }
        }
    }
    func.attrs = kept;
    match errors {
        Some(err) => Err(err),
        None => Ok(Stack {
            layers: written
                .into_iter()
                .filter_map(|(_, _, attr)| attr)
                .collect(),
        }),
    }
}

/// The error for an attribute of `kind` written below `above`, if it repeats one of them. An
/// attribute may repeat only where it means something else the second time: a `#[with_timeout]`
/// above and one below a layer that runs the body again are a deadline for the whole call and one
/// for each run.
fn repeated(above: &[(Kind, Span, Option<Attr>)], kind: Kind, at: &At) -> Option<syn::Error> {
    let previous = above.iter().rposition(|(k, _, _)| *k == kind)?;
    let rerun_between = above[previous + 1..]
        .iter()
        .any(|(_, _, attr)| attr.as_ref().is_some_and(|a| a.caps().reruns.is_some()));
    if kind.repeats_across_reruns() && rerun_between {
        return None;
    }
    let name = kind.name();
    let message = if kind.repeats_across_reruns() {
        format!(
            "#[{name}] is already on this function; it may be written twice only with an attribute that runs the body again between the two (such as #[supervised]): the one above then applies to the whole call, the one below to each run"
        )
    } else {
        format!("#[{name}] is already on this function; use it once and put all its options there")
    };
    Some(at.error(message))
}

/// Strips the taskward attributes from a function that is emitted as it was (on error), so that
/// they do not expand again and repeat the error.
pub fn strip(func: &mut AsyncFn, krate: Option<&str>) {
    func.attrs.retain(|attr| kind_of(attr, krate).is_none());
}

impl Stack {
    /// Whether a layer can fail with a `taskward::Error` (the one source of truth: each
    /// attribute's [`Caps::fails`](crate::attrs::Caps::fails)).
    pub fn can_fail(&self) -> bool {
        self.layers.iter().any(|layer| layer.caps().fails)
    }

    /// Whether a layer takes a plain `fn` and runs its body itself (`#[blocking]`).
    pub fn plain_fn(&self) -> bool {
        self.layers.iter().any(|layer| layer.caps().plain_fn)
    }

    /// Whether a layer runs the body more than once.
    pub fn reruns(&self) -> bool {
        self.first_rerun().is_some()
    }

    /// Whether the body runs on copies of the arguments: it runs again, or a `fallback` gets the
    /// arguments when it fails.
    pub fn copies_args(&self) -> bool {
        self.reruns() || self.layers.iter().any(|layer| layer.caps().fallback)
    }

    /// The outermost layer that runs the body more than once: its index, and how it does.
    pub fn first_rerun(&self) -> Option<(usize, Rerun)> {
        self.layers
            .iter()
            .enumerate()
            .find_map(|(i, layer)| layer.caps().reruns.map(|rerun| (i, rerun)))
    }
}
