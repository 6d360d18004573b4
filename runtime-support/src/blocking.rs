//! `#[blocking]`: the body of a plain `fn` run on tokio's blocking pool, its panic turned into
//! [`Error::Panicked`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use tokio::task::{JoinError, JoinHandle};

use crate::catch_panic::{self, Panic};
use crate::error::Error;
use crate::meta::Meta;

/// An argument of a `#[blocking]` function (or its `self`): it moves to a thread of the blocking
/// pool with the body, so it must be `Send`. (That it must be `'static` too is checked where the
/// body is handed to the pool; a borrowed argument is refused by the macro, with its own message.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to the blocking pool: #[blocking] runs the body on another thread, so each argument must be `Send`",
    label = "this argument is not `Send`",
    note = "take a type that is `Send`: `Arc` instead of `Rc`, `Mutex` or an atomic instead of `RefCell` or `Cell`; or build the value inside the body"
)]
pub trait BlockingArg: Send {}
#[diagnostic::do_not_recommend]
impl<T: Send + ?Sized> BlockingArg for T {}

/// The output of a `#[blocking]` body: it comes back from a thread of the blocking pool, so it must
/// be `Send + 'static`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot come back from the blocking pool: #[blocking] runs the body on another thread, so what it returns must be `Send + 'static`",
    label = "this return type is not `Send + 'static`",
    note = "return an owned type that is `Send`: `Arc` instead of `Rc`, `String` instead of `&str`"
)]
pub trait BlockingOutput: Send + 'static {}
#[diagnostic::do_not_recommend]
impl<T: Send + 'static> BlockingOutput for T {}

/// The check of one argument's type (see [`BlockingArg`]), located at the argument by generated
/// code.
#[inline]
pub const fn arg<T: BlockingArg + ?Sized>() {}

/// [`arg`] for an argument whose type cannot be named (`impl Trait`), by reference to its value.
#[inline]
pub const fn arg_value<T: BlockingArg>(_: &T) {}

/// Runs `body` on tokio's blocking pool (`tokio::task::spawn_blocking`) when first polled; the
/// future yields its output, or [`Error::Panicked`] when it panicked.
///
/// The body is handed to the pool at the first poll, not before: a layer above that refuses the
/// call (`#[graceful]` once shutdown has begun, `#[bounded(wait = ..)]`) never polls it, and the
/// body never starts. Once handed over, it runs on to its end even when the future is dropped (a
/// blocking body cannot be stopped, only abandoned); its output is then dropped on the pool.
///
/// The bounds are checked here, once (their failures reported with taskward's messages); the
/// future keeps the function that hands this body to the pool, so that awaiting it checks nothing
/// again.
#[inline]
pub fn run<R, F>(meta: &'static Meta, body: F) -> Blocking<F, R>
where
    R: BlockingOutput,
    F: FnOnce() -> R + Send + 'static,
{
    Blocking {
        state: State::Waiting(body),
        meta,
        spawn: spawn::<R, F>,
    }
}

/// Hands `body` to the blocking pool, with the caller's subscriber and span: its events (and a
/// `#[tracing::instrument]` span below) are where they would be in an `async fn`.
fn spawn<R, F>(body: F) -> JoinHandle<R>
where
    R: BlockingOutput,
    F: FnOnce() -> R + Send + 'static,
{
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        tracing::dispatcher::with_default(&dispatch, || {
            span.in_scope(|| catch_panic::quietly(body))
        })
    })
}

/// The future of a `#[blocking]` call: the body until the first poll hands it to the blocking
/// pool, then the task's join handle, with its failure as an [`Error`]. A named future rather than
/// an `async fn`.
#[must_use = "futures do nothing unless polled"]
pub struct Blocking<F, R> {
    state: State<F, R>,
    meta: &'static Meta,
    spawn: fn(F) -> JoinHandle<R>,
}

enum State<F, R> {
    /// Not polled yet: the body and its arguments.
    Waiting(F),
    /// On the pool.
    Running(JoinHandle<R>),
    /// The output was taken.
    Done,
}

// Nothing of the body is ever pinned: it is moved to the pool as a value, and the join handle is
// `Unpin`.
impl<F, R> Unpin for Blocking<F, R> {}

impl<F, R> Future for Blocking<F, R> {
    type Output = Result<R, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if matches!(this.state, State::Waiting(_)) {
            let State::Waiting(body) = core::mem::replace(&mut this.state, State::Done) else {
                unreachable!("matched above")
            };
            this.state = State::Running((this.spawn)(body));
        }
        let State::Running(handle) = &mut this.state else {
            panic!("`Blocking` polled after it completed");
        };
        let joined = match Pin::new(handle).poll(cx) {
            Poll::Ready(joined) => joined,
            Poll::Pending => return Poll::Pending,
        };
        this.state = State::Done;
        Poll::Ready(match joined {
            Ok(output) => Ok(output),
            Err(err) => Err(failed(this.meta, err)),
        })
    }
}

impl<F, R> Drop for Blocking<F, R> {
    #[inline]
    fn drop(&mut self) {
        if let State::Running(handle) = &self.state
            && !handle.is_finished()
        {
            abandoned(self.meta);
        }
    }
}

/// The body panicked (or, the runtime shutting down, never ran).
#[cold]
fn failed(meta: &'static Meta, err: JoinError) -> Error {
    let function = meta.function;
    match err.try_into_panic() {
        Ok(payload) => {
            let panic = Panic::from_payload(function, &*payload);
            tracing::error!(
                target: "taskward",
                function,
                panic = panic.message(),
                "panicked on the blocking pool"
            );
            panic.into_error()
        }
        Err(_cancelled) => {
            tracing::warn!(
                target: "taskward",
                function,
                "cancelled: the runtime shut down before the blocking body started"
            );
            Error::cancelled(function)
        }
    }
}

/// The call's future was dropped while its body still runs (a deadline, shutdown, a caller that
/// stopped waiting): the body runs on to its end, and its output is dropped there.
#[cold]
fn abandoned(meta: &'static Meta) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        "abandoned: the blocking body runs on to its end"
    );
}
