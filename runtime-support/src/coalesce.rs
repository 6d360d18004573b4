//! `#[coalesce]`: single flight. Concurrent calls with equal keys share one run of the body (a
//! *flight*) and each receives a clone of its output.
//!
//! Each annotated function has one [`Flights`] (a `static` of its own): a map from the key to the
//! flight in progress. The first caller of a key starts a flight, which holds the body's future;
//! the callers that come while it runs join it. No task is spawned: whichever caller is polled
//! polls the body, with a waker that wakes every caller, so the run goes on as long as one caller
//! waits; the last caller to leave drops it. The flight leaves the map when the body finishes (a
//! later call runs the body again) or when its last caller leaves.
//!
//! A flight costs two allocations (the shared entry and the body's future, boxed because the map's
//! type cannot name it); a caller that joins a flight allocates nothing but its share of the
//! growth of the flight's list of wakers (the first caller's is kept inline), and only when it has
//! to wait.

use core::any::{Any, TypeId};
use core::borrow::Borrow;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Wake;

use crate::catch_panic::{CatchPanic, Panic};
use crate::error::Error;
use crate::meta::Meta;

mod events;
mod key;

use events::{abandoned, joined, panicked};
pub use key::{KeyArg, Part, key_arg};

/// The key of a coalesced call: what decides which calls share a run.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of #[coalesce]: it must be `Hash + Eq + Send + Sync + 'static`",
    label = "calls with equal keys share one run, so the key is hashed, compared and kept while the run lasts",
    note = "with `key = ...`, write a key of owned values that are `Hash + Eq` (an id, a `String`, a tuple of them: `(user.id, kind)`), and `.clone()` what the body still needs"
)]
pub trait Key: Hash + Eq + Send + Sync + 'static {}
impl<K: Hash + Eq + Send + Sync + 'static> Key for K {}

/// The output of a coalesced body: every caller of a flight receives a copy of it.
#[diagnostic::on_unimplemented(
    message = "the output `{Self}` of a #[coalesce] function must be `Clone + Send + 'static`",
    label = "every caller that shares a run receives a clone of its output",
    note = "return a type that is `Clone` (an `Arc<T>` of the value, or an error type that is `Clone`), or drop #[coalesce]"
)]
pub trait Output: Clone + Send + 'static {}
impl<O: Clone + Send + 'static> Output for O {}

/// The flights of one annotated function, by key. A `static` of the function's own, whose types
/// the generated code cannot name (the key may be any expression): the map for the key and output
/// types of the calls is made at the first call, and found by its type after that.
pub struct Registry {
    first: OnceLock<&'static (dyn Any + Send + Sync)>,
    /// Maps for other types than the first's, in a function that an impl makes generic.
    others: Mutex<Vec<&'static (dyn Any + Send + Sync)>>,
}

impl Registry {
    /// An empty registry.
    #[must_use]
    pub const fn new() -> Self {
        Registry {
            first: OnceLock::new(),
            others: Mutex::new(Vec::new()),
        }
    }

    /// The flights of keys `K` and outputs `O`.
    #[inline]
    pub fn flights<K: Key, O: Output>(&'static self) -> &'static Flights<K, O> {
        if let Some(first) = self.first.get()
            && let Some(flights) = first.downcast_ref::<Flights<K, O>>()
        {
            return flights;
        }
        self.slow::<K, O>()
    }

    #[cold]
    fn slow<K: Key, O: Output>(&'static self) -> &'static Flights<K, O> {
        let first = *self
            .first
            .get_or_init(|| Box::leak(Box::new(Flights::<K, O>::new())));
        if let Some(flights) = first.downcast_ref::<Flights<K, O>>() {
            return flights;
        }
        let mut others = lock(&self.others);
        let wanted = TypeId::of::<Flights<K, O>>();
        if let Some(flights) = others
            .iter()
            .find(|any| (**any).type_id() == wanted)
            .and_then(|any| any.downcast_ref::<Flights<K, O>>())
        {
            return flights;
        }
        let flights: &'static Flights<K, O> = Box::leak(Box::new(Flights::new()));
        others.push(flights);
        flights
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// The flights in progress of one function, by key.
pub struct Flights<K: 'static, O: 'static> {
    map: Mutex<Option<HashSet<Entry<K, O>, RandomState>>>,
}

impl<K: Key, O: Output> Flights<K, O> {
    const fn new() -> Self {
        Flights {
            map: Mutex::new(None),
        }
    }

    /// Removes `flight` from the map, if it is still the flight of its key (one hash of the key:
    /// taken out, and put back in the rare case that it is another flight's).
    fn remove(&self, flight: &Arc<Flight<K, O>>) {
        let mut map = lock(&self.map);
        if let Some(set) = map.as_mut()
            && let Some(entry) = set.take(&flight.key)
            && !Arc::ptr_eq(&entry.0, flight)
        {
            set.insert(entry);
        }
    }
}

/// The flight of a key in the map, hashed and compared by its key.
struct Entry<K: 'static, O: 'static>(Arc<Flight<K, O>>);

impl<K: Key, O: Output> Hash for Entry<K, O> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.key.hash(state);
    }
}

impl<K: Key, O: Output> PartialEq for Entry<K, O> {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl<K: Key, O: Output> Eq for Entry<K, O> {}

impl<K: Key, O: Output> Borrow<K> for Entry<K, O> {
    fn borrow(&self) -> &K {
        &self.0.key
    }
}

/// What the code without the bounds on `K` and `O` (the caller's future, its drop) does with
/// them: made where the bounds hold, so that a key or an output that lacks one is reported once,
/// where it is made.
struct Ops<K: 'static, O: 'static> {
    /// Takes the flight out of the map, if it is still there.
    remove: fn(&Arc<Flight<K, O>>),
    /// A copy of the output for a caller.
    clone: fn(&Result<O, Panic>) -> Result<O, Panic>,
    /// The waker the body is polled with.
    waker: fn(Arc<Flight<K, O>>) -> Waker,
}

impl<K: Key, O: Output> Ops<K, O> {
    const OPS: Self = Ops {
        remove: |flight| flight.flights.remove(flight),
        clone: Clone::clone,
        waker: Waker::from,
    };
}

type Body<O> = Pin<Box<dyn Future<Output = Result<O, Panic>> + Send>>;

/// One run of the body, shared by its callers.
struct Flight<K: 'static, O: 'static> {
    key: K,
    meta: &'static Meta,
    flights: &'static Flights<K, O>,
    ops: &'static Ops<K, O>,
    state: Mutex<State<O>>,
}

struct State<O> {
    phase: Phase<O>,
    /// The callers still waiting for the output.
    callers: usize,
    /// The wakers of the callers that wait, each at the slot it was given.
    wakers: Wakers,
    /// The body was woken (or never polled) since a caller last began to poll it: polling it
    /// again may make progress. A caller polled while it is not does not poll the body.
    woken: bool,
}

/// The wakers of a flight's callers: the first one inline (a caller alone, the common case, needs
/// no list), the others in a list that grows. A slot is never reused: a caller keeps its own.
#[derive(Default)]
struct Wakers {
    first: Option<Waker>,
    rest: Vec<Option<Waker>>,
    /// Slots given so far.
    given: usize,
}

impl Wakers {
    fn add(&mut self, waker: Waker) -> usize {
        let slot = self.given;
        self.given += 1;
        if slot == 0 {
            self.first = Some(waker);
        } else {
            self.rest.push(Some(waker));
        }
        slot
    }

    fn at(&mut self, slot: usize) -> &mut Option<Waker> {
        match slot {
            0 => &mut self.first,
            _ => &mut self.rest[slot - 1],
        }
    }
}

enum Phase<O> {
    /// The body, here between polls; `None` while a caller polls it.
    Running(Option<Body<O>>),
    /// The body finished; its output (or its panic) for the callers.
    Done(Result<O, Panic>),
    /// No caller is left: every one left before the body finished (it was dropped), or the last
    /// one took the output. A new call starts another flight.
    Closed,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<O> State<O> {
    fn wake_all(&self) {
        let rest = self.wakers.rest.iter().flatten();
        for waker in self.wakers.first.iter().chain(rest) {
            waker.wake_by_ref();
        }
    }
}

impl<K: Key, O: Output> Wake for Flight<K, O> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// The body can go on: every caller is woken, the first one polled polls it.
    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = lock(&self.state);
        state.woken = true;
        state.wake_all();
    }
}

/// A call's share of a flight: the future that the generated code awaits. It yields the body's
/// output, or `Error::Panicked` when the body panicked. Dropping it leaves the flight; the last
/// caller to leave drops the body.
#[must_use = "futures do nothing unless polled"]
pub struct Join<K: 'static, O: 'static> {
    /// `None` once it has its output.
    flight: Option<Arc<Flight<K, O>>>,
    /// Its slot in the flight's wakers, once it has waited.
    slot: Option<usize>,
}

/// Starts a flight for `key`, with the body that `body` makes, or joins the flight of an equal
/// key in progress (then `body` is dropped unused).
#[inline]
// An entry is hashed and compared by its key alone, which never changes.
#[allow(clippy::mutable_key_type)]
pub fn join<K, O, B, F>(
    registry: &'static Registry,
    meta: &'static Meta,
    key: K,
    body: B,
) -> Join<K, O>
where
    K: Key,
    O: Output,
    B: FnOnce() -> F,
    F: Future<Output = O> + Send + 'static,
{
    let flights = registry.flights::<K, O>();
    let mut map = lock(&flights.map);
    let set = map.get_or_insert_with(|| HashSet::with_hasher(RandomState::new()));
    if let Some(entry) = set.get(&key) {
        let flight = Arc::clone(&entry.0);
        let mut state = lock(&flight.state);
        if !matches!(state.phase, Phase::Closed) {
            state.callers += 1;
            let callers = state.callers;
            drop(state);
            drop(map);
            crate::metrics::coalesced(meta);
            joined(meta, callers);
            return Join {
                flight: Some(flight),
                slot: None,
            };
        }
        // Its last caller has left: start another.
        drop(state);
        set.remove(&key);
    }
    let body: Body<O> = Box::pin(CatchPanic {
        fut: Some(body()),
        meta,
    });
    let flight = Arc::new(Flight {
        key,
        meta,
        flights,
        ops: &Ops::<K, O>::OPS,
        state: Mutex::new(State {
            phase: Phase::Running(Some(body)),
            callers: 1,
            wakers: Wakers::default(),
            woken: true,
        }),
    });
    set.insert(Entry(Arc::clone(&flight)));
    drop(map);
    Join {
        flight: Some(flight),
        slot: None,
    }
}

impl<K: 'static, O: 'static> Join<K, O> {
    fn register(slot: &mut Option<usize>, state: &mut State<O>, waker: &Waker) {
        match slot {
            Some(at) => match state.wakers.at(*at) {
                Some(old) if old.will_wake(waker) => {}
                place => *place = Some(waker.clone()),
            },
            None => {
                *slot = Some(state.wakers.add(waker.clone()));
            }
        }
    }
}

/// The output of a finished flight for one caller: the last one takes it, the others clone it.
fn output<K, O>(state: &mut State<O>, slot: Option<usize>, ops: &Ops<K, O>) -> Result<O, Error> {
    if let Some(at) = slot {
        *state.wakers.at(at) = None;
    }
    state.callers -= 1;
    let result = if state.callers == 0 {
        match core::mem::replace(&mut state.phase, Phase::Closed) {
            Phase::Done(done) => done,
            _ => unreachable!("a flight's output is read once it is done"),
        }
    } else {
        match &state.phase {
            Phase::Done(done) => (ops.clone)(done),
            _ => unreachable!("a flight's output is read once it is done"),
        }
    };
    result.map_err(Panic::into_error)
}

impl<K: 'static, O: 'static> Future for Join<K, O> {
    type Output = Result<O, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let flight = this
            .flight
            .as_ref()
            .expect("`Join` polled after it completed");
        let mut state = lock(&flight.state);
        let woken = state.woken;
        let mut body = match &mut state.phase {
            Phase::Done(_) => {
                let result = output(&mut state, this.slot, flight.ops);
                drop(state);
                this.flight = None;
                return Poll::Ready(result);
            }
            Phase::Running(Some(_)) if woken => match &mut state.phase {
                Phase::Running(body) => body.take().expect("matched above"),
                _ => unreachable!("matched above"),
            },
            Phase::Running(_) => {
                // Another caller is polling the body, or it has not been woken since it was last
                // polled: nothing to do but wait for its waker, which wakes every caller.
                Self::register(&mut this.slot, &mut state, cx.waker());
                return Poll::Pending;
            }
            Phase::Closed => unreachable!("a flight with a caller is not closed"),
        };
        state.woken = false;
        drop(state);
        // Polled outside the lock: the body may wake its waker while it is polled.
        let waker = (flight.ops.waker)(Arc::clone(flight));
        let polled = body.as_mut().poll(&mut Context::from_waker(&waker));
        let mut state = lock(&flight.state);
        match polled {
            Poll::Ready(done) => {
                drop(body);
                if let Err(panic) = &done {
                    panicked(flight.meta, panic, state.callers);
                }
                state.phase = Phase::Done(done);
                state.wake_all();
                let result = output(&mut state, this.slot, flight.ops);
                drop(state);
                let flight = this.flight.take().expect("checked above");
                (flight.ops.remove)(&flight);
                Poll::Ready(result)
            }
            Poll::Pending => {
                state.phase = Phase::Running(Some(body));
                Self::register(&mut this.slot, &mut state, cx.waker());
                if state.woken {
                    // Woken while polled, before the callers that came meanwhile had a waker
                    // here: they (and this one) try again.
                    state.wake_all();
                }
                Poll::Pending
            }
        }
    }
}

impl<K: 'static, O: 'static> Drop for Join<K, O> {
    fn drop(&mut self) {
        let Some(flight) = self.flight.take() else {
            return;
        };
        let mut state = lock(&flight.state);
        if let Some(at) = self.slot {
            *state.wakers.at(at) = None;
        }
        state.callers -= 1;
        if !matches!(state.phase, Phase::Running(_)) {
            return;
        }
        if state.callers > 0 {
            if !state.woken {
                return;
            }
            // This caller may have been woken for the body and not polled it: the others try.
            state.wake_all();
            return;
        }
        let body = core::mem::replace(&mut state.phase, Phase::Closed);
        drop(state);
        (flight.ops.remove)(&flight);
        abandoned(flight.meta);
        // Dropped outside every lock: its destructors may call coalesced functions.
        drop(body);
    }
}
