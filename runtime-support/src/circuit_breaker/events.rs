//! The tracing events of a breaker's transitions and refusals: cold, out of the path of a call.

use core::time::Duration;

use tokio::time::Instant;

use super::Breaker;
use super::state::{Cause, Change};
use super::word::Ticket;
use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;

impl Breaker {
    /// The event of a transition, or of a probe dropped before it ended.
    #[cold]
    pub(super) fn report(&self, meta: &'static Meta, change: Change, ticket: Ticket) {
        match change {
            Change::Opened { cause, .. } => self.opened(meta, cause),
            Change::Closed => self.closed(meta),
            Change::None if ticket.is_probe() => self.probe_abandoned(meta),
            Change::None => {}
        }
    }

    #[cold]
    fn opened(&self, meta: &'static Meta, cause: Cause) {
        crate::metrics::transition(meta, crate::metrics::Transition::Open);
        let reset = DisplayDuration(Duration::from_millis(self.core.config.reset_ms));
        match cause {
            Cause::Consecutive(failures) => tracing::warn!(
                target: "taskward",
                function = meta.function,
                failures,
                reset = %reset,
                "circuit breaker opened: {failures} consecutive failures"
            ),
            Cause::Rate { failures, calls } => tracing::warn!(
                target: "taskward",
                function = meta.function,
                failures,
                calls,
                reset = %reset,
                "circuit breaker opened: {failures} of the last {calls} calls failed"
            ),
            Cause::Probe => tracing::warn!(
                target: "taskward",
                function = meta.function,
                reset = %reset,
                "circuit breaker opened again: a probe call failed"
            ),
        }
    }

    #[cold]
    pub(super) fn half_opened(&self, meta: &'static Meta) {
        crate::metrics::transition(meta, crate::metrics::Transition::HalfOpen);
        tracing::info!(
            target: "taskward",
            function = meta.function,
            probes = self.core.config.half_open,
            "circuit breaker half-open: letting probe calls through"
        );
    }

    #[cold]
    fn closed(&self, meta: &'static Meta) {
        crate::metrics::transition(meta, crate::metrics::Transition::Closed);
        tracing::info!(
            target: "taskward",
            function = meta.function,
            probes = self.core.config.half_open,
            "circuit breaker closed: the probe calls succeeded"
        );
    }

    #[cold]
    fn probe_abandoned(&self, meta: &'static Meta) {
        tracing::debug!(
            target: "taskward",
            function = meta.function,
            "circuit breaker: a probe call was dropped before it ended; its place is free again"
        );
    }

    #[cold]
    pub(super) fn refused(&self, meta: &'static Meta, until: Option<u64>) -> Error {
        crate::metrics::rejected(meta, crate::metrics::Rejection::CircuitOpen);
        let until = until.map(|ms| self.instant(ms));
        match until {
            Some(until) => tracing::debug!(
                target: "taskward",
                function = meta.function,
                open_for = %DisplayDuration(until.saturating_duration_since(Instant::now())),
                "refused: circuit open"
            ),
            None => tracing::debug!(
                target: "taskward",
                function = meta.function,
                probes = self.core.config.half_open,
                "refused: circuit half-open, its probe calls running"
            ),
        }
        Error::CircuitOpen {
            function: meta.function,
            until,
        }
    }
}
