//! A call through a breaker: its admission and the recording of its outcome (with their events),
//! and the future that generated code wraps each call in, which admits or refuses it when first
//! polled and records its outcome when it ends.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::Breaker;
use super::state::{Admission, Change, Outcome};
use super::word::Ticket;
use crate::error::Error;
use crate::meta::Meta;

impl Breaker {
    /// Whether a call may run, with the events and the error of a refusal.
    #[inline]
    fn admit(&self, meta: &'static Meta) -> Result<Ticket, Error> {
        match self.core.admit(|| self.nanos()) {
            Admission::Call(ticket) => Ok(ticket),
            Admission::Probe {
                ticket,
                half_opened,
            } => {
                if half_opened {
                    self.half_opened(meta);
                }
                Ok(ticket)
            }
            Admission::Refused { until } => Err(self.refused(meta, until)),
        }
    }

    /// Records how a call ended, with the event of the transition it made.
    #[inline]
    fn finish(&self, meta: &'static Meta, ticket: Ticket, outcome: Outcome) {
        let change = self.core.finish(ticket, outcome, || self.nanos());
        if change != Change::None || (outcome == Outcome::Abandoned && ticket.is_probe()) {
            self.report(meta, change, ticket);
        }
    }
}

/// Where a call's breaker is, and the function it guards: a function (or a closure that copies a
/// reference) returning both. Generated code passes a function item for a `static` breaker, which
/// costs the call's future nothing to hold, and a closure over the reference for `in = EXPR`.
pub trait Site<'a>: Copy {
    /// The breaker, and the function's `Meta`.
    fn site(self) -> (&'a Breaker, &'static Meta);
}

impl<'a, S: Fn() -> (&'a Breaker, &'static Meta) + Copy> Site<'a> for S {
    #[inline]
    fn site(self) -> (&'a Breaker, &'static Meta) {
        self()
    }
}

/// Runs `fut` through the breaker of `site`: admitted or refused when first polled, its outcome
/// recorded when it ends (`is_failure` decides, given its output), a panic counted as a failure
/// before it goes on unwinding, and a call dropped before it ends counted as neither (a probe
/// gives its place back).
#[inline]
pub fn call<'a, S, F, C>(site: S, fut: F, is_failure: C) -> Call<'a, S, F, C>
where
    S: Site<'a>,
    F: Future,
    C: FnMut(&F::Output) -> bool,
{
    Call {
        inner: fut,
        guard: Guard {
            site,
            stage: Stage::Start,
            lifetime: PhantomData,
        },
        is_failure,
    }
}

pin_project_lite::pin_project! {
    /// The future of a call through a breaker. A named future rather than an `async fn`, so that
    /// the body's future is stored once, inline.
    #[must_use = "futures do nothing unless polled"]
    pub struct Call<'a, S: Site<'a>, F, C> {
        #[pin]
        inner: F,
        guard: Guard<'a, S>,
        is_failure: C,
    }
}

/// The admission of one call, until its outcome is recorded; dropped before that, the call is
/// abandoned.
struct Guard<'a, S: Site<'a>> {
    site: S,
    stage: Stage,
    lifetime: PhantomData<&'a Breaker>,
}

#[derive(Clone, Copy)]
enum Stage {
    /// Not polled yet.
    Start,
    /// Admitted.
    Running(Ticket),
    /// Refused, or its outcome recorded.
    Done,
}

impl<'a, S: Site<'a>> Guard<'a, S> {
    /// Records the outcome of a call that is running.
    #[inline]
    fn end(&mut self, outcome: Outcome) {
        if let Stage::Running(ticket) = self.stage {
            self.stage = Stage::Done;
            let (breaker, meta) = self.site.site();
            breaker.finish(meta, ticket, outcome);
        }
    }
}

impl<'a, S: Site<'a>> Drop for Guard<'a, S> {
    #[inline]
    fn drop(&mut self) {
        self.end(Outcome::Abandoned);
    }
}

/// Armed while the body (or the decision on its output) runs: dropped by a panic, it records the
/// call as failed, and the panic goes on. Every other path disarms it.
struct Armed<'g, 'a, S: Site<'a>>(&'g mut Guard<'a, S>);

impl<'a, S: Site<'a>> Armed<'_, 'a, S> {
    #[inline]
    fn disarm(self) {
        core::mem::forget(self);
    }

    /// Records the outcome of the running call of `ticket` (the guard's, read before the body ran).
    #[inline]
    fn end(self, ticket: Ticket, outcome: Outcome) {
        self.0.stage = Stage::Done;
        let (breaker, meta) = self.0.site.site();
        breaker.finish(meta, ticket, outcome);
        core::mem::forget(self);
    }
}

impl<'a, S: Site<'a>> Drop for Armed<'_, 'a, S> {
    fn drop(&mut self) {
        self.0.end(Outcome::Failure);
    }
}

impl<'a, S, F, C> Future for Call<'a, S, F, C>
where
    S: Site<'a>,
    F: Future,
    C: FnMut(&F::Output) -> bool,
{
    type Output = Result<F::Output, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let guard = this.guard;
        let ticket = match guard.stage {
            Stage::Running(ticket) => ticket,
            Stage::Start => {
                let (breaker, meta) = guard.site.site();
                match breaker.admit(meta) {
                    Ok(ticket) => {
                        guard.stage = Stage::Running(ticket);
                        ticket
                    }
                    Err(refused) => {
                        guard.stage = Stage::Done;
                        return Poll::Ready(Err(refused));
                    }
                }
            }
            Stage::Done => panic!("`Call` polled after it completed"),
        };
        let armed = Armed(guard);
        let Poll::Ready(output) = this.inner.poll(cx) else {
            armed.disarm();
            return Poll::Pending;
        };
        let failed = (this.is_failure)(&output);
        armed.end(
            ticket,
            if failed {
                Outcome::Failure
            } else {
                Outcome::Success
            },
        );
        Poll::Ready(Ok(output))
    }
}
