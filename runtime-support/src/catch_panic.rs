//! Catching a panic of a body's poll: a run ends with the [`Panic`], caught, instead of unwinding.

use core::any::Any;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Error;
use crate::meta::Meta;

/// A panic caught in a supervised body: its message, and the function it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    function: &'static str,
    pub(crate) message: String,
}

impl Panic {
    fn from_payload(function: &'static str, payload: &(dyn Any + Send)) -> Self {
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
        match caught {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                // What is left of the body is dropped inside a catch too: a second panic there is
                // dropped, the first one tells what happened.
                let _second = catch_unwind(AssertUnwindSafe(|| fut.set(None)));
                Poll::Ready(Err(Panic::from_payload(this.meta.function, &*payload)))
            }
        }
    }
}
