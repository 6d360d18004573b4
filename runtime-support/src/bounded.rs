//! `#[bounded]`: a named concurrency limit that several functions can share ([`Bulkhead`]), and
//! the waits for its permits that generated code makes.

use core::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;

// `Bulkhead::fleet` and its builders.
#[cfg(feature = "redis")]
mod fleet;

/// A limit on how many calls run at once, shared by every function that names it.
///
/// `#[bounded(n)]` gives a function a bulkhead of its own; `#[bounded(in = NAME)]` makes functions
/// share one, declared as a `static` (the constructor is a `const fn`):
///
/// ```
/// use taskward::{bounded, Bulkhead};
///
/// /// At most 4 queries against the database at once, whichever function makes them.
/// static DATABASE: Bulkhead = Bulkhead::new(4);
///
/// #[bounded(in = DATABASE)]
/// async fn load_user(id: u64) -> String {
///     format!("user {id}")
/// }
///
/// #[bounded(in = DATABASE)]
/// async fn load_order(id: u64) -> String {
///     format!("order {id}")
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (user, order) = tokio::join!(load_user(1), load_order(2));
/// assert_eq!((user.as_str(), order.as_str()), ("user 1", "order 2"));
/// assert_eq!(DATABASE.limit(), 4);
/// assert_eq!(DATABASE.in_flight(), 0);
/// # }
/// ```
///
/// A `Bulkhead` is a thin layer over tokio's [`Semaphore`]; a permit is held for the whole call and
/// given back when the call returns, panics or is dropped.
///
/// [`Semaphore`]: https://docs.rs/tokio/1/tokio/sync/struct.Semaphore.html
#[derive(Debug)]
pub struct Bulkhead {
    semaphore: Semaphore,
    limit: usize,
    /// A fleet bulkhead's name, lease and figures (its `semaphore` is then the local share).
    #[cfg(feature = "redis")]
    fleet: Option<crate::fleet::bulkhead::BulkheadSpec>,
}

impl Bulkhead {
    /// The largest limit a bulkhead takes: tokio's `Semaphore::MAX_PERMITS`, `usize::MAX >> 3`
    /// (2^61 - 1 on 64-bit targets). `#[bounded(n)]` checks a literal `n` against it at compile
    /// time.
    ///
    /// ```
    /// assert_eq!(taskward::Bulkhead::MAX_LIMIT, usize::MAX >> 3);
    /// ```
    pub const MAX_LIMIT: usize = Semaphore::MAX_PERMITS;

    /// A bulkhead that lets `limit` calls run at once.
    ///
    /// # Panics
    ///
    /// If `limit` is zero or above [`Semaphore::MAX_PERMITS`]. In a `static` this is a compile
    /// error, not a run-time panic:
    ///
    /// [`Semaphore::MAX_PERMITS`]: https://docs.rs/tokio/1/tokio/sync/struct.Semaphore.html#associatedconstant.MAX_PERMITS
    ///
    /// ```compile_fail
    /// static NONE: taskward::Bulkhead = taskward::Bulkhead::new(0);
    /// ```
    #[must_use]
    pub const fn new(limit: usize) -> Self {
        assert!(limit > 0, "a Bulkhead needs a limit of at least 1");
        assert!(
            limit <= Semaphore::MAX_PERMITS,
            "a Bulkhead limit must not exceed tokio's Semaphore::MAX_PERMITS"
        );
        Bulkhead {
            semaphore: Semaphore::const_new(limit),
            limit,
            #[cfg(feature = "redis")]
            fleet: None,
        }
    }

    /// The number of calls that may run at once.
    #[must_use]
    pub const fn limit(&self) -> usize {
        self.limit
    }

    /// The number of calls holding a permit now (for a fleet bulkhead: in this process, the
    /// leases it holds and the permits of its local share).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        #[cfg(feature = "redis")]
        if let Some(spec) = &self.fleet {
            let local = match spec.unavailable {
                crate::fleet::Unavailable::Local(n) => {
                    (n as usize).saturating_sub(self.semaphore.available_permits())
                }
                _ => 0,
            };
            return spec.held() + local;
        }
        self.limit - self.semaphore.available_permits()
    }

    /// The number of permits free now (for a fleet bulkhead: the limit less what this process
    /// holds; [`Fleet::bulkhead_in_use`](crate::fleet::Fleet::bulkhead_in_use) asks Redis).
    #[must_use]
    pub fn available(&self) -> usize {
        #[cfg(feature = "redis")]
        if self.fleet.is_some() {
            return self.limit.saturating_sub(self.in_flight());
        }
        self.semaphore.available_permits()
    }

    /// Waits for a permit, for code that is not annotated. The permit is given back when the
    /// returned guard is dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// static POOL: taskward::Bulkhead = taskward::Bulkhead::new(2);
    /// let permit = POOL.acquire().await;
    /// assert_eq!(POOL.in_flight(), 1);
    /// drop(permit);
    /// assert_eq!(POOL.in_flight(), 0);
    /// # }
    /// ```
    pub async fn acquire(&self) -> Permit<'_> {
        #[cfg(feature = "redis")]
        if self.fleet.is_some() {
            static UNNAMED: Meta = Meta::new("(Bulkhead::acquire)");
            return acquire(self, &UNNAMED).await;
        }
        self.wait_for_permit().await
    }

    pub(crate) async fn wait_for_permit(&self) -> Permit<'_> {
        match self.semaphore.acquire().await {
            Ok(permit) => Permit::local(permit),
            // The semaphore is private and never closed.
            Err(_) => unreachable!("a Bulkhead's semaphore is never closed"),
        }
    }

    /// Takes a permit if one is free now (a fleet bulkhead, which must ask Redis, gives `None`:
    /// use [`acquire`](Self::acquire) or `wait = "0s"`).
    ///
    /// ```
    /// static ONE: taskward::Bulkhead = taskward::Bulkhead::new(1);
    /// let first = ONE.try_acquire();
    /// assert!(first.is_some());
    /// assert!(ONE.try_acquire().is_none());
    /// ```
    #[must_use]
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        #[cfg(feature = "redis")]
        if self.fleet.is_some() {
            return None;
        }
        match self.semaphore.try_acquire() {
            Ok(permit) => Some(Permit::local(permit)),
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => None,
        }
    }
}

/// A permit of a [`Bulkhead`]; the call it guards counts as in flight until it is dropped.
#[derive(Debug)]
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct Permit<'a> {
    #[cfg(not(feature = "redis"))]
    _permit: SemaphorePermit<'a>,
    #[cfg(feature = "redis")]
    _permit: Held<'a>,
    /// The function whose call holds it, for the `taskward_permits_in_use` gauge.
    #[cfg(feature = "metrics")]
    meta: Option<&'static Meta>,
}

/// What a permit holds: a permit of the semaphore, or a lease of a fleet bulkhead (or none: a
/// fleet bulkhead whose Redis is away, with `Unavailable::Allow`). The size of a semaphore's
/// permit: the lease is one word, beside the permit's non-null reference.
#[cfg(feature = "redis")]
#[derive(Debug)]
enum Held<'a> {
    Local(#[allow(dead_code)] SemaphorePermit<'a>),
    Fleet(#[allow(dead_code)] crate::fleet::bulkhead::Lease),
}

// A fleet bulkhead costs a local one's permit nothing in size (the metrics' `meta` aside).
#[cfg(all(feature = "redis", not(feature = "metrics")))]
const _: () = assert!(size_of::<Permit<'static>>() == size_of::<SemaphorePermit<'static>>());

impl<'a> Permit<'a> {
    #[inline]
    fn local(permit: SemaphorePermit<'a>) -> Self {
        Permit {
            #[cfg(not(feature = "redis"))]
            _permit: permit,
            #[cfg(feature = "redis")]
            _permit: Held::Local(permit),
            #[cfg(feature = "metrics")]
            meta: None,
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn fleet(lease: crate::fleet::bulkhead::Lease) -> Self {
        Permit {
            _permit: Held::Fleet(lease),
            #[cfg(feature = "metrics")]
            meta: None,
        }
    }

    /// The permit, counted in `meta`'s metrics until it is dropped.
    #[inline]
    #[allow(unused_mut)]
    fn taken(mut self, meta: &'static Meta, waited: Duration) -> Self {
        crate::metrics::permit_taken(meta, waited);
        #[cfg(feature = "metrics")]
        {
            self.meta = Some(meta);
        }
        self
    }
}

#[cfg(feature = "metrics")]
impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(meta) = self.meta {
            crate::metrics::permit_released(meta);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What generated code calls: a permit for each call.

/// Waits for a permit of `bulkhead` (the fast path takes a free one without a clock read).
#[inline]
pub async fn acquire<'a>(bulkhead: &'a Bulkhead, meta: &'static Meta) -> Permit<'a> {
    #[cfg(feature = "redis")]
    if let Some(spec) = &bulkhead.fleet {
        // Without a wait nothing rejects the call.
        let fleet = Box::pin(crate::fleet::bulkhead::acquire(bulkhead, spec, meta, None));
        return match fleet.await {
            Ok(permit) => permit,
            Err(_) => unreachable!("a fleet acquire without a wait does not fail"),
        };
    }
    if let Some(permit) = bulkhead.try_acquire() {
        return permit.taken(meta, Duration::ZERO);
    }
    let started = tokio::time::Instant::now();
    let permit = bulkhead.wait_for_permit().await;
    waited(bulkhead, meta, started.elapsed());
    permit.taken(meta, started.elapsed())
}

/// Like [`acquire`], but gives up after `wait` with [`Error::Rejected`] (`wait` zero: at once).
#[inline]
pub async fn acquire_within<'a>(
    bulkhead: &'a Bulkhead,
    meta: &'static Meta,
    wait: Duration,
) -> Result<Permit<'a>, Error> {
    #[cfg(feature = "redis")]
    if let Some(spec) = &bulkhead.fleet {
        return Box::pin(crate::fleet::bulkhead::acquire(
            bulkhead,
            spec,
            meta,
            Some(wait),
        ))
        .await;
    }
    if let Some(permit) = bulkhead.try_acquire() {
        return Ok(permit.taken(meta, Duration::ZERO));
    }
    let started = tokio::time::Instant::now();
    let acquired = if wait.is_zero() {
        None
    } else {
        tokio::time::timeout(wait, bulkhead.wait_for_permit())
            .await
            .ok()
    };
    match acquired {
        Some(permit) => {
            waited(bulkhead, meta, started.elapsed());
            Ok(permit.taken(meta, started.elapsed()))
        }
        None => Err(rejected(bulkhead, meta, started.elapsed())),
    }
}

#[cold]
fn waited(bulkhead: &Bulkhead, meta: &Meta, waited: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        waited = %DisplayDuration(waited),
        limit = bulkhead.limit(),
        "waited for a permit"
    );
}

#[cold]
fn rejected(bulkhead: &Bulkhead, meta: &'static Meta, waited: Duration) -> Error {
    crate::metrics::rejected(meta, crate::metrics::Rejection::Bulkhead);
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        limit = bulkhead.limit(),
        in_flight = bulkhead.in_flight(),
        waited = %DisplayDuration(waited),
        "rejected: no permit free"
    );
    Error::rejected(meta.function, bulkhead.limit(), waited)
}

/// What `in = EXPR` of `#[bounded]` takes: a `&Bulkhead` (borrowed for the call) or a
/// `&Arc<Bulkhead>` (cloned, so the call borrows nothing: what a `&mut self` method needs).
#[diagnostic::on_unimplemented(
    message = "`in = ...` of #[bounded] takes a `&Bulkhead` or a `&Arc<Bulkhead>`, not `{Self}`",
    label = "this is not a bulkhead",
    note = "share a `static POOL: Bulkhead` with `in = POOL`, or one of your own with `in = &self.slots` (keep it in an `Arc<Bulkhead>` for `&mut self` methods)"
)]
pub trait BulkheadSource<'a> {
    /// Takes the handle.
    fn handle(self) -> Handle<'a>;
}

impl<'a> BulkheadSource<'a> for &'a Bulkhead {
    #[inline]
    fn handle(self) -> Handle<'a> {
        Handle::Borrowed(self)
    }
}

// The clone borrows nothing: the handle outlives the borrow of the `Arc`.
impl BulkheadSource<'static> for &std::sync::Arc<Bulkhead> {
    #[inline]
    fn handle(self) -> Handle<'static> {
        Handle::Shared(std::sync::Arc::clone(self))
    }
}

/// The bulkhead of `in = EXPR` for one call: the reference, or a clone of the `Arc`.
pub type Handle<'a> = crate::handle::Handle<'a, Bulkhead>;

/// The bulkhead of `in = EXPR`, for one call.
#[inline]
pub fn handle<'a, S: BulkheadSource<'a>>(source: S) -> Handle<'a> {
    source.handle()
}

/// An unsigned integer type, which a `const` limit of `#[bounded]` may have.
#[diagnostic::on_unimplemented(
    message = "the limit of #[bounded] must be an unsigned integer, not `{Self}`",
    label = "not an unsigned integer",
    note = "write a literal such as `8`, or name a `const` of type `usize` (or `u8` to `u128`)"
)]
pub trait UnsignedLimit: Copy {}
impl UnsignedLimit for u8 {}
impl UnsignedLimit for u16 {}
impl UnsignedLimit for u32 {}
impl UnsignedLimit for u64 {}
impl UnsignedLimit for u128 {}
impl UnsignedLimit for usize {}

/// A `const` limit of `#[bounded]`, checked to be an unsigned integer (then cast to `usize`).
#[inline]
#[must_use]
pub const fn limit<T: UnsignedLimit>(n: T) -> T {
    n
}

// ---------------------------------------------------------------------------------------------
// `#[bounded(adaptive)]`: a limit that follows the latency of the calls, in its own module.

pub(crate) mod adaptive;
