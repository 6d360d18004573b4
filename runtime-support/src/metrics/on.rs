//! The recording with the feature on: the keys of each function's metrics, built and hashed once
//! (at its first call) and kept beside its `Meta`, and those of each fleet limit.

use ::metrics::{Key, Label, Level, Metadata};

use crate::meta::Meta;

pub static METADATA: Metadata<'static> =
    Metadata::new("taskward", Level::INFO, Some(module_path!()));

/// The keys of a function's metrics that are recorded on every call: built (and hashed) at
/// its first call, from the label kept in its `Meta`, so a call neither allocates nor hashes.
#[derive(Debug)]
pub struct Keys {
    pub calls: Key,
    pub timeouts: Key,
    pub restarts: Key,
    pub retries: Key,
    pub permit_wait: Key,
    pub in_use: Key,
    pub adaptive_limit: Key,
    pub hedges: Key,
    pub hedge_wins: Key,
    pub coalesced: Key,
}

#[inline]
pub fn keys(meta: &'static Meta) -> &'static Keys {
    meta.keys.get_or_init(|| build(meta))
}

#[cold]
fn build(meta: &'static Meta) -> Keys {
    let key = |name| Key::from_static_parts(name, &meta.labels);
    Keys {
        calls: key(super::CALLS),
        timeouts: key(super::TIMEOUTS),
        restarts: key(super::RESTARTS),
        retries: key(super::RETRIES),
        permit_wait: key(super::PERMIT_WAIT),
        in_use: key(super::PERMITS_IN_USE),
        adaptive_limit: key(super::ADAPTIVE_LIMIT),
        hedges: key(super::HEDGES),
        hedge_wins: key(super::HEDGE_WINS),
        coalesced: key(super::COALESCED),
    }
}

/// The keys of a fleet limit's metrics, labelled `limit` (its name: never the URL, whose
/// password is not a label) and `kind`; built at its first event.
#[cfg(feature = "redis")]
#[derive(Debug)]
pub struct FleetKeys {
    pub errors: Key,
    pub round_trip: Key,
    /// By [`super::Outage`]: passed, failed.
    pub unavailable: [Key; 2],
}

#[cfg(feature = "redis")]
#[cold]
pub fn build_fleet(name: &'static str, kind: super::FleetKind) -> FleetKeys {
    use super::Outage;
    let labels = || {
        vec![
            Label::from_static_parts("limit", name),
            Label::from_static_parts("kind", kind.as_str()),
        ]
    };
    let outage = |outcome: Outage| {
        let mut labels = labels();
        labels.push(Label::from_static_parts("outcome", outcome.as_str()));
        Key::from_parts(super::FLEET_UNAVAILABLE, labels)
    };
    FleetKeys {
        errors: Key::from_parts(super::FLEET_ERRORS, labels()),
        round_trip: Key::from_parts(super::FLEET_ROUND_TRIP, labels()),
        unavailable: [outage(Outage::Passed), outage(Outage::Failed)],
    }
}

/// The keys with a second label, `reason` of a rejection and `to` of a transition (in the
/// order of [`super::Rejection`] and [`super::Transition`]): built once per function, at its
/// first such event (allocating their labels then), so that the calls an open breaker refuses
/// allocate nothing.
#[derive(Debug)]
pub struct Labelled {
    pub rejections: [Key; 4],
    pub transitions: [Key; 3],
}

#[inline]
pub fn labelled(meta: &'static Meta) -> &'static Labelled {
    meta.labelled.get_or_init(|| build_labelled(meta))
}

#[cold]
fn build_labelled(meta: &'static Meta) -> Labelled {
    use super::{Rejection, Transition};
    let key = |name, label, value| {
        let labels = vec![
            meta.labels[0].clone(),
            Label::from_static_parts(label, value),
        ];
        Key::from_parts(name, labels)
    };
    let rejection = |why: Rejection| key(super::REJECTIONS, "reason", why.as_str());
    let transition = |to: Transition| key(super::BREAKER_TRANSITIONS, "to", to.as_str());
    Labelled {
        rejections: [
            rejection(Rejection::Bulkhead),
            rejection(Rejection::RateLimit),
            rejection(Rejection::CircuitOpen),
            rejection(Rejection::ShuttingDown),
        ],
        transitions: [
            transition(Transition::Open),
            transition(Transition::HalfOpen),
            transition(Transition::Closed),
        ],
    }
}
