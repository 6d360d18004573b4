//! Fault injection (feature `fault-injection`): a test makes the runs of an annotated function
//! fail, panic or wait, by the function's name, so that the caller's own handling of errors,
//! panics, timeouts and shutdown can be tested.
//!
//! With the feature, each run of an annotated function's body starts with [`before`] (or
//! [`before_blocking`] for a `#[blocking]` body); it looks the function up among the injections
//! in force. Without the feature the macros emit no hook and this module is not built.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::error::Error;
use crate::meta::Meta;

/// What an injection does to a run of the function's body, and on which runs.
///
/// Built with [`Fault::fail`], [`Fault::panic`] or [`Fault::delay`], then narrowed with
/// [`on_call`](Fault::on_call), [`first`](Fault::first) or [`probability`](Fault::probability)
/// (the last one given counts); without them the fault hits every run.
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use = "a fault does nothing until it is injected with `taskward::faults::inject`"]
pub struct Fault {
    kind: Kind,
    when: When,
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Fail,
    Panic,
    Delay(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    Every,
    OnCall(u64),
    First(u64),
    Probability(f64),
}

impl Fault {
    /// The run fails with [`Error::Injected`], converted into the function's error type as any
    /// failure of a taskward attribute is. Only a function whose stack can already fail (it
    /// returns a `Result` whose error carries a `taskward::Error`) can return it: in any other
    /// function an injected failure panics instead, with a message that says so.
    pub const fn fail() -> Self {
        Self::new(Kind::Fail)
    }

    /// The run panics (before the body starts), as a body that panics does: `#[supervised]`
    /// catches it, anything else lets it unwind to the caller.
    pub const fn panic() -> Self {
        Self::new(Kind::Panic)
    }

    /// The run waits `delay` (on tokio's clock) before the body starts, inside every layer of the
    /// stack: a `#[with_timeout]` counts the wait.
    pub const fn delay(delay: Duration) -> Self {
        Self::new(Kind::Delay(delay))
    }

    const fn new(kind: Kind) -> Self {
        Fault {
            kind,
            when: When::Every,
            seed: 0,
        }
    }

    /// Only the `n`-th run (counted from 1) after the injection.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    pub const fn on_call(mut self, n: u64) -> Self {
        assert!(
            n >= 1,
            "runs are counted from 1: write `on_call(1)` for the first"
        );
        self.when = When::OnCall(n);
        self
    }

    /// The first `n` runs after the injection, and none after them.
    pub const fn first(mut self, n: u64) -> Self {
        self.when = When::First(n);
        self
    }

    /// Each run with probability `p`, drawn from a generator of the injection's own, seeded with
    /// [`seed`](Fault::seed) (0 unless given): the same runs are hit each time the test runs.
    ///
    /// # Panics
    ///
    /// If `p` is not within `0.0..=1.0`.
    pub fn probability(mut self, p: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&p),
            "a probability is within 0.0..=1.0, not {p}"
        );
        self.when = When::Probability(p);
        self
    }

    /// The seed of [`probability`](Fault::probability)'s draws.
    pub const fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Injects `fault` into the annotated function named `function`, until the returned guard is
/// dropped.
///
/// `function` is the function's path as taskward's errors and events give it
/// (`module::path::name`, the module path of where the function is written, without a type for a
/// method), or any tail of it that starts at a `::` (`"name"`, `"path::name"`). A tail that turns
/// out to match two functions panics at the second one's run, with both paths: write more of the
/// path. When several injections match a run, each counts it and the first injected that hits
/// takes effect.
pub fn inject(function: &str, fault: Fault) -> Injection {
    let stats = Arc::new(Stats::default());
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut registry = registry();
    registry.push(Entry {
        id,
        name: function.to_owned(),
        fault,
        rng: fastrand::Rng::with_seed(fault.seed),
        matched: None,
        stats: Arc::clone(&stats),
    });
    ACTIVE.store(registry.len(), Ordering::Release);
    Injection { id, stats }
}

/// An injection in force; dropping it removes it.
#[derive(Debug)]
#[must_use = "the injection is removed as soon as the guard is dropped"]
pub struct Injection {
    id: u64,
    stats: Arc<Stats>,
}

impl Injection {
    /// The runs of the function seen since the injection.
    #[must_use]
    pub fn runs(&self) -> u64 {
        self.stats.runs.load(Ordering::Relaxed)
    }

    /// The runs the fault hit.
    #[must_use]
    pub fn hits(&self) -> u64 {
        self.stats.hits.load(Ordering::Relaxed)
    }
}

impl Drop for Injection {
    fn drop(&mut self) {
        let mut registry = registry();
        registry.retain(|entry| entry.id != self.id);
        ACTIVE.store(registry.len(), Ordering::Release);
    }
}

#[derive(Debug, Default)]
struct Stats {
    runs: AtomicU64,
    hits: AtomicU64,
}

struct Entry {
    id: u64,
    name: String,
    fault: Fault,
    rng: fastrand::Rng,
    /// The first function the name matched, to tell an ambiguous tail.
    matched: Option<&'static str>,
    stats: Arc<Stats>,
}

static REGISTRY: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
/// The number of injections in force: a run with none reads this and nothing else.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn registry() -> MutexGuard<'static, Vec<Entry>> {
    // A panic while the lock is held leaves the list whole: each change is one push or retain.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether `name` is `function` or a tail of it that starts at a `::`.
fn names(name: &str, function: &str) -> bool {
    function
        .strip_suffix(name)
        .is_some_and(|head| head.is_empty() || head.ends_with("::"))
}

/// What the injections in force do to this run of `meta`'s function.
enum Hit {
    Fail(u64),
    Panic(u64),
    Delay(Duration),
    Ambiguous(String, &'static str),
}

#[inline]
fn hit(meta: &'static Meta) -> Option<Hit> {
    if ACTIVE.load(Ordering::Acquire) == 0 {
        return None;
    }
    lookup(meta.function)
}

#[cold]
fn lookup(function: &'static str) -> Option<Hit> {
    let mut registry = registry();
    let mut hit = None;
    for entry in registry.iter_mut() {
        if !names(&entry.name, function) {
            continue;
        }
        match entry.matched {
            Some(first) if first != function => {
                return Some(Hit::Ambiguous(entry.name.clone(), first));
            }
            _ => entry.matched = Some(function),
        }
        let run = entry.stats.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let hits = match entry.fault.when {
            When::Every => true,
            When::OnCall(n) => run == n,
            When::First(n) => run <= n,
            When::Probability(p) => entry.rng.f64() < p,
        };
        if hits && hit.is_none() {
            entry.stats.hits.fetch_add(1, Ordering::Relaxed);
            hit = Some(match entry.fault.kind {
                Kind::Fail => Hit::Fail(run),
                Kind::Panic => Hit::Panic(run),
                Kind::Delay(delay) => Hit::Delay(delay),
            });
        }
    }
    hit
}

// ---------------------------------------------------------------------------------------------
// What generated code calls, at the start of each run of the body.

/// The hook of a run whose failure the function can return: `Some` with [`Error::Injected`] when
/// a `Fault::fail()` hits it; panics or waits for the other faults.
#[inline]
pub fn before(meta: &'static Meta) -> Before {
    Before {
        meta,
        state: State::Start,
        fails: true,
    }
}

/// The hook of a run of a function that returns no `Result`: a `Fault::fail()` panics, saying
/// so.
#[inline]
pub fn before_infallible(meta: &'static Meta) -> BeforeInfallible {
    BeforeInfallible(Before {
        meta,
        state: State::Start,
        fails: false,
    })
}

/// The future of [`before`]: ready at once unless a delay is injected. Small, so that the body's
/// future grows by little with the feature: an injected delay's timer is boxed (an allocation in
/// a test, for a run that is to wait anyway).
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Before {
    meta: &'static Meta,
    state: State,
    fails: bool,
}

#[derive(Debug)]
enum State {
    Start,
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Done,
}

impl Future for Before {
    type Output = Option<Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Error>> {
        let this = self.get_mut();
        let meta = this.meta;
        if let State::Start = this.state {
            match hit(meta) {
                None => {}
                Some(Hit::Fail(run)) if this.fails => {
                    this.state = State::Done;
                    return Poll::Ready(Some(injected(meta, run)));
                }
                Some(Hit::Delay(delay)) => {
                    this.state = State::Waiting(Box::pin(tokio::time::sleep(delay)));
                }
                Some(other) => unexpected(meta, &other),
            }
        }
        match &mut this.state {
            State::Waiting(sleep) => {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            State::Start => {}
            State::Done => panic!("`Before` polled after it completed"),
        }
        this.state = State::Done;
        Poll::Ready(None)
    }
}

/// The future of [`before_infallible`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct BeforeInfallible(Before);

impl Future for BeforeInfallible {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx).map(|_| ())
    }
}

/// [`before`] for a `#[blocking]` body, on the blocking pool: a delay sleeps the thread.
#[inline]
pub fn before_blocking(meta: &'static Meta) -> Option<Error> {
    match hit(meta)? {
        Hit::Fail(run) => Some(injected(meta, run)),
        Hit::Delay(delay) => {
            std::thread::sleep(delay);
            None
        }
        other => unexpected(meta, &other),
    }
}

/// [`before_infallible`] for a `#[blocking]` body.
#[inline]
pub fn before_blocking_infallible(meta: &'static Meta) {
    match hit(meta) {
        None => {}
        Some(Hit::Delay(delay)) => std::thread::sleep(delay),
        Some(other) => unexpected(meta, &other),
    }
}

/// The failure a run returns, for a function returning `R` (a `Result`): generated code calls
/// `(&Inject::<R>::new()).__taskward_injected(err)`, which is [`InjectFail`]'s conversion when
/// `R`'s error type has `From<taskward::Error>`, and [`InjectPanic`]'s panic otherwise (so that the
/// feature never breaks a build whose error types carry no `taskward::Error`).
pub struct Inject<R>(core::marker::PhantomData<R>);

impl<R> Inject<R> {
    /// The conversion for `R`.
    #[inline]
    #[must_use]
    pub const fn new() -> Self {
        Inject(core::marker::PhantomData)
    }
}

impl<R> Default for Inject<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// [`Inject`] where the error type carries a `taskward::Error`: the failure, converted.
pub trait InjectFail<R> {
    /// The failure as `R`.
    fn __taskward_injected(&self, err: Error) -> R;
}

impl<R> InjectFail<R> for Inject<R>
where
    R: crate::signature::ResultLike,
    R::Err: From<Error>,
{
    #[inline]
    fn __taskward_injected(&self, err: Error) -> R {
        R::from_err(R::Err::from(err))
    }
}

/// [`Inject`] where the error type does not carry a `taskward::Error`: a panic that says so.
pub trait InjectPanic<R> {
    /// Panics.
    fn __taskward_injected(&self, err: Error) -> R;
}

impl<R> InjectPanic<R> for &Inject<R> {
    #[cold]
    fn __taskward_injected(&self, err: Error) -> R {
        let (function, run) = match err {
            Error::Injected { function, run } => (function, run),
            other => (other.function(), 0),
        };
        panic!(
            "injected failure in `{function}` (run {run}), which cannot return it: its error \
             type has no `From<taskward::Error>`; inject `Fault::panic()` or `Fault::delay(..)` \
             instead, or implement the conversion"
        )
    }
}

#[cold]
fn injected(meta: &'static Meta, run: u64) -> Error {
    tracing::warn!(target: "taskward", function = meta.function, run, "injected failure");
    Error::injected(meta.function, run)
}

/// A panic: an injected one, or one that says why the injection cannot be applied.
#[cold]
fn unexpected(meta: &'static Meta, hit: &Hit) -> ! {
    let function = meta.function;
    match hit {
        Hit::Panic(run) => panic!("injected panic in `{function}` (run {run})"),
        Hit::Fail(run) => panic!(
            "injected failure in `{function}` (run {run}), which cannot return it: it returns no \
             `Result`; inject `Fault::panic()` or `Fault::delay(..)` instead"
        ),
        Hit::Ambiguous(name, first) => panic!(
            "the fault injected into `{name}` matches both `{first}` and `{function}`: write \
             more of the path"
        ),
        Hit::Delay(_) => unreachable!("a delay is waited, not raised"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_the_path_or_a_tail_of_it() {
        assert!(names("app::db::load", "app::db::load"));
        assert!(names("load", "app::db::load"));
        assert!(names("db::load", "app::db::load"));
        assert!(!names("oad", "app::db::load"));
        assert!(!names("b::load", "app::db::load"));
        assert!(!names("app::db", "app::db::load"));
    }
}
