//! `#[supervised]`: runs the body again after an `Err` or a panic, with exponential backoff,
//! within a restart budget (OTP's intensity: `restarts` within `within`).

use core::time::Duration;

use quote::{format_ident, quote_spanned};
use syn::ext::IdentExt;

use super::{At, Attribute, Caps, Rerun};
use crate::duration::{self, Zero};
use crate::generate::{Code, Gen, Mode, m};
use crate::item::Output;
use crate::options::{RawArg, Seen, bare_ident, bool_lit, elsewhere, int_lit, str_lit, unknown};
use crate::{attrs::graceful, rerun};

/// `#[supervised]` resolved: every option has its value, defaults applied.
#[derive(Clone)]
pub struct Supervised {
    pub restarts: u32,
    pub within: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub jitter: bool,
    pub restart: Restart,
}

/// When a run that ended is followed by another.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// After an `Err` or a panic; an `Ok` ends the call.
    OnFailure,
    /// After every run: a worker that must never end.
    Always,
}

impl Supervised {
    pub const DEFAULT_RESTARTS: u32 = 5;
    pub const DEFAULT_WITHIN: Duration = Duration::from_secs(60);
    pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(100);
    pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(10);
}

impl Default for Supervised {
    fn default() -> Self {
        Supervised {
            restarts: Self::DEFAULT_RESTARTS,
            within: Self::DEFAULT_WITHIN,
            backoff_min: Self::DEFAULT_BACKOFF_MIN,
            backoff_max: Self::DEFAULT_BACKOFF_MAX,
            jitter: true,
            restart: Restart::OnFailure,
        }
    }
}

impl Attribute for Supervised {
    const NAME: &'static str = "supervised";
    const OPTIONS: &'static [&'static str] =
        &["restarts", "within", "backoff", "jitter", "restart"];

    fn parse(_at: &At, args: Vec<RawArg>) -> syn::Result<Self> {
        let mut opts = Supervised::default();
        let mut seen = Seen::new();
        for arg in args {
            let (key, value) = match arg {
                RawArg::Named { key, value } => (key, value),
                RawArg::Positional(expr) => {
                    if let Some(key) = bare_ident(&expr) {
                        if key == "jitter" {
                            return Err(syn::Error::new_spanned(
                                &expr,
                                "`jitter` takes a value: `jitter = false` draws no jitter (it is on by default)",
                            ));
                        }
                        if let Some(err) = elsewhere(Self::NAME, key) {
                            return Err(err);
                        }
                    }
                    return Err(syn::Error::new_spanned(
                        &expr,
                        "#[supervised] takes options written `key = value`: `restarts = 5`, `within = \"60s\"`, `backoff = \"100ms..10s\"`, `jitter = false`, `restart = \"always\"`",
                    ));
                }
            };
            seen.first(&key)?;
            match key.unraw().to_string().as_str() {
                "restarts" => opts.restarts = restarts(&value)?,
                "within" => {
                    opts.within = duration::duration(&value, Zero::Denied)?
                        .literal()
                        .ok_or_else(|| {
                            syn::Error::new_spanned(
                                &value,
                                "`within` takes a duration literal such as `\"60s\"`",
                            )
                        })?;
                }
                "backoff" => (opts.backoff_min, opts.backoff_max) = duration::range(&value)?,
                "jitter" => opts.jitter = bool_lit(&value, "`jitter` is `true` or `false`")?,
                "restart" => opts.restart = restart(&value)?,
                _ => return Err(unknown(Self::NAME, &key, Self::OPTIONS)),
            }
        }
        Ok(opts)
    }

    fn caps(&self) -> Caps {
        Caps {
            fails: true,
            reruns: Some(Rerun {
                noun: "restart",
                plural: "restarts",
                first_delay: self.backoff_min,
                bounded: None,
            }),
            ..Caps::default()
        }
    }

    fn policy(&self) -> String {
        format!(
            "- **supervised**: restarted after {} with a backoff of {} to {}{}, at most {} restarts within {}.",
            match self.restart {
                Restart::Always => "every run (`restart = \"always\"`)",
                Restart::OnFailure => "an `Err` or a panic",
            },
            duration::show(self.backoff_min),
            duration::show(self.backoff_max),
            if self.jitter { ", jittered" } else { "" },
            self.restarts,
            duration::show(self.within),
        )
    }

    fn generate(&self, g: &mut Gen<'_>, i: usize, _mode: Mode) -> (Code, bool) {
        let policy = format_ident!("__TASKWARD_POLICY_{}", i, span = m());
        let restarts = self.restarts;
        let within = duration::tokens(self.within, m());
        let backoff_min = duration::tokens(self.backoff_min, m());
        let backoff_max = duration::tokens(self.backoff_max, m());
        let jitter = self.jitter;
        let always = self.restart == Restart::Always;
        g.prelude.extend(quote_spanned! {m()=>
            static #policy: ::taskward::__private::supervised::SupervisePolicy = ::taskward::__private::supervised::SupervisePolicy {
                restarts: #restarts,
                within: #within,
                backoff_min: #backoff_min,
                backoff_max: #backoff_max,
                jitter: #jitter,
                always: #always,
            };
        });
        let shutdown = graceful::coordinator(g.stack);
        let copies = rerun::per_run_copies(g.func);
        let (inner, inner_fallible) = g.chain(i + 1, Mode { rerun: true });
        let is_result = matches!(g.func.output(), Output::Result(_));
        let arms = rerun::loop_arms(is_result, inner_fallible);
        (
            Code::Value(quote_spanned! {m()=>
                {
                    let mut __taskward_supervisor = ::taskward::__private::supervised::Supervisor::new(&__TASKWARD_META, &#policy, #shutdown);
                    loop {
                        #copies
                        match __taskward_supervisor.run(#inner).await {
                            #arms
                        }
                    }
                }
            }),
            true,
        )
    }
}

fn restarts(value: &syn::Expr) -> syn::Result<u32> {
    let lit = int_lit(
        value,
        "`restarts` is how many restarts are allowed within `within`: a positive integer such as `5`",
    )?;
    if !matches!(
        lit.suffix(),
        "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
    ) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`restarts` is an unsigned integer: drop the `{}` suffix",
                lit.suffix()
            ),
        ));
    }
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`restarts = 0` would never restart: remove #[supervised] instead, or allow at least 1",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(syn::Error::new(
            lit.span(),
            "this number does not fit in a `u32`",
        )),
    }
}

fn restart(value: &syn::Expr) -> syn::Result<Restart> {
    let lit = str_lit(value, "`restart` is `\"on_failure\"` or `\"always\"`")?;
    match lit.value().as_str() {
        "on_failure" => Ok(Restart::OnFailure),
        "always" => Ok(Restart::Always),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown restart mode `{other}`: write `\"on_failure\"` (an `Ok` ends the call; the default) or `\"always\"` (a worker that must never end: an `Ok` is restarted too)"
            ),
        )),
    }
}
