//! Catching a panic of a body's poll: a run ends with the [`Panic`], caught, instead of unwinding.

use core::any::Any;
use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use core::task::{Context, Poll};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::error::Error;
use crate::meta::Meta;

/// Whether [`quiet_caught_panics`] has installed its hook: only then do runs count [`CATCHING`].
static QUIET: AtomicBool = AtomicBool::new(false);

std::thread_local! {
    /// The supervised runs this thread is polling now (more than one when they nest), or the
    /// `#[blocking]` body it runs.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Keeps the panics that `#[supervised]` and `#[blocking]` catch out of the panic output: installs
/// (once; later calls do nothing) a panic hook that says nothing of a panic raised while a
/// supervised run is being polled on this thread, or while a `#[blocking]` body runs on it, and
/// hands every other panic to the hook that was there before.
///
/// Without it, each caught panic prints the default panic message (and a backtrace with
/// `RUST_BACKTRACE=1`) on every restart, on top of taskward's own `tracing` events ("panicked:
/// restarting", then "restart budget spent, giving up" at the `error` level; "panicked on the
/// blocking pool") that already name the function and the panic message. With it, those events
/// are the record of a caught panic: its backtrace is not printed, so leave it out while you hunt
/// one down.
///
/// Real crashes still print: a panic outside a supervised run or a `#[blocking]` body (in `main`,
/// in a spawned task, on another thread while a run is polled here). Call it once at startup,
/// after installing any hook of your own (it wraps the hook in place). With `panic = "abort"` nothing is caught, and it
/// installs nothing. Until it is called, a run's only cost for it is one relaxed atomic load per
/// poll.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// #[taskward::supervised(restarts = 1, backoff = "10ms..10ms")]
/// async fn flaky(runs: &AtomicU32) -> u32 {
///     let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
///     assert!(run > 1, "the first run panics"); // caught and restarted: printed nowhere
///     run
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// taskward::quiet_caught_panics();
/// assert_eq!(flaky(&AtomicU32::new(0)).await, Ok(2));
/// # }
/// ```
pub fn quiet_caught_panics() {
    if cfg!(panic = "abort") {
        return;
    }
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let caught = CATCHING.try_with(|depth| depth.get() > 0);
            if caught != Ok(true) {
                previous(info);
            }
        }));
        QUIET.store(true, Relaxed);
    });
}

/// Runs `f`, a `#[blocking]` body on a thread of the blocking pool, as a caught run: with
/// [`quiet_caught_panics`], a panic of it is left to taskward's own event.
#[inline]
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    /// Leaves the count when the body returns or unwinds.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = CATCHING.try_with(|depth| depth.set(depth.get() - 1));
        }
    }
    if !QUIET.load(Relaxed) {
        return f();
    }
    CATCHING.with(|depth| depth.set(depth.get() + 1));
    let _leave = Leave;
    f()
}

/// A panic caught in a supervised body: its message, and the function it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    function: &'static str,
    pub(crate) message: String,
}

impl Panic {
    pub(crate) fn from_payload(function: &'static str, payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        Panic { function, message }
    }

    /// The panic message (`&str` and `String` payloads; `"Box<dyn Any>"` for others).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The failure a call ends with when a panic exhausts its budget: [`Error::Panicked`].
    #[must_use]
    pub fn into_error(self) -> Error {
        Error::panicked(self.function, self.message)
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panicked: {}", self.message)
    }
}

pin_project_lite::pin_project! {
    /// A run of a supervised body: its output, or the panic that ended it, caught. A named future
    /// rather than an `async fn`, so that the body's future is stored once, inline.
    ///
    /// The body's future is dropped inside the catch as soon as the run ends, so that a panic in
    /// its drop (a guard of a run cut by a deadline, say) ends the run as a caught panic too,
    /// instead of unwinding through the supervisor.
    #[must_use = "futures do nothing unless polled"]
    pub struct CatchPanic<F> {
        #[pin]
        pub(crate) fut: Option<F>,
        // The `Meta` (one word), not its `&str` (two): the `Option` above takes the other.
        pub(crate) meta: &'static Meta,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Panic>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut fut = this.fut;
        assert!(fut.is_some(), "`CatchPanic` polled after it completed");
        let quiet = QUIET.load(Relaxed);
        if quiet {
            CATCHING.with(|depth| depth.set(depth.get() + 1));
        }
        let caught = catch_unwind(AssertUnwindSafe(|| {
            let Some(inner) = fut.as_mut().as_pin_mut() else {
                return Poll::Pending; // checked above
            };
            let output = match inner.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            };
            // Dropped here, inside the catch. (If its drop panics, the place is still emptied.)
            fut.set(None);
            Poll::Ready(output)
        }));
        let polled = match caught {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                // What is left of the body is dropped inside a catch too: a second panic there is
                // dropped, the first one tells what happened.
                let _second = catch_unwind(AssertUnwindSafe(|| fut.set(None)));
                Poll::Ready(Err(Panic::from_payload(this.meta.function, &*payload)))
            }
        };
        if quiet {
            CATCHING.with(|depth| depth.set(depth.get() - 1));
        }
        polled
    }
}
