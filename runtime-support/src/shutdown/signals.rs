//! Signals: SIGINT and SIGTERM (ctrl-c elsewhere) begin a [`Shutdown`], and a second one during
//! the drain exits at once, or is ignored ([`SecondSignal`]).

use tokio::task::JoinHandle;

use super::Shutdown;

impl Shutdown {
    /// Begins shutdown when the process receives SIGINT or SIGTERM (on non-Unix platforms:
    /// ctrl-c), and logs the signal (an `info` event on target `taskward`); a second signal, during
    /// the drain, exits the process at once. The same as
    /// [`on_signals_with(SecondSignal::Exit)`](Shutdown::on_signals_with), which tells more.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime, or on one built without its I/O driver (a runtime from
    /// `#[tokio::main]` or `Builder::enable_all()` has it).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() {
    /// let shutdown = taskward::Shutdown::global();
    /// shutdown.on_signals();
    /// shutdown.triggered().await; // until ctrl-c or `kill <pid>`
    /// // A second ctrl-c during the drain exits at once, with status 130.
    /// shutdown.drain(std::time::Duration::from_secs(30)).await;
    /// # }
    /// ```
    #[allow(clippy::must_use_candidate)] // listening is the point; the handle is optional
    pub fn on_signals(&self) -> JoinHandle<()> {
        self.on_signals_with(SecondSignal::Exit)
    }

    /// Begins shutdown when the process receives SIGINT or SIGTERM (on non-Unix platforms:
    /// ctrl-c), and logs the signal (an `info` event on target `taskward`); `second` says what each
    /// signal after that first one does: [`SecondSignal::Exit`] exits the process at once (the
    /// operator who presses ctrl-c again during a long drain), [`SecondSignal::Ignore`] lets the
    /// drain go on. Signals are counted, whatever began shutdown: a program that called
    /// [`trigger`](Shutdown::trigger) itself takes the first signal after it as the first.
    ///
    /// The signal handlers are installed before this returns, so a signal that arrives afterwards
    /// never takes the platform's default action (ending the process) but begins shutdown; the
    /// waiting happens in a spawned task, whose handle is returned. The task listens until the
    /// process ends (abort it to stop listening; the handlers stay installed, as always with tokio,
    /// so signals are then swallowed).
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime, or on one built without its I/O driver (a runtime from
    /// `#[tokio::main]` or `Builder::enable_all()` has it).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use taskward::{SecondSignal, Shutdown};
    ///
    /// # #[tokio::main]
    /// # async fn main() {
    /// let shutdown = Shutdown::global();
    /// // This drain must not be cut short: a second signal is logged, and ignored.
    /// shutdown.on_signals_with(SecondSignal::Ignore);
    /// shutdown.triggered().await;
    /// shutdown.drain(Duration::from_secs(30)).await;
    /// # }
    /// ```
    #[allow(clippy::must_use_candidate)] // listening is the point; the handle is optional
    pub fn on_signals_with(&self, second: SecondSignal) -> JoinHandle<()> {
        let shutdown = self.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = signal(SignalKind::interrupt()).and_then(|interrupt| {
                signal(SignalKind::terminate()).map(|terminate| (interrupt, terminate))
            });
            tokio::spawn(async move {
                let (mut interrupt, mut terminate) = match streams {
                    Ok(streams) => streams,
                    Err(err) => {
                        tracing::error!(
                            target: "taskward",
                            error = %err,
                            "cannot listen for SIGINT/SIGTERM; shutdown must be triggered otherwise"
                        );
                        return;
                    }
                };
                let name = tokio::select! {
                    _ = interrupt.recv() => "SIGINT",
                    _ = terminate.recv() => "SIGTERM",
                };
                tracing::info!(target: "taskward", signal = name, "signal received: shutting down");
                shutdown.trigger();
                loop {
                    // The exit status a shell reports for a process ended by the signal.
                    let (name, status) = tokio::select! {
                        Some(()) = interrupt.recv() => ("SIGINT", 130),
                        Some(()) = terminate.recv() => ("SIGTERM", 143),
                        else => return, // no more signals: the runtime is shutting down
                    };
                    second.on_signal(name, status);
                }
            })
        }
        #[cfg(not(unix))]
        {
            tokio::spawn(async move {
                match tokio::signal::ctrl_c().await {
                    Ok(()) => {
                        tracing::info!(
                            target: "taskward",
                            signal = "ctrl-c",
                            "signal received: shutting down"
                        );
                        shutdown.trigger();
                    }
                    Err(err) => {
                        tracing::error!(
                            target: "taskward",
                            error = %err,
                            "cannot listen for ctrl-c; shutdown must be triggered otherwise"
                        );
                        return;
                    }
                }
                while tokio::signal::ctrl_c().await.is_ok() {
                    second.on_signal("ctrl-c", 130);
                }
            })
        }
    }
}

/// What a second signal does (the first one began shutdown; this one comes during the drain), for
/// [`Shutdown::on_signals_with`].
///
/// ```
/// assert_eq!(taskward::SecondSignal::default(), taskward::SecondSignal::Exit);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecondSignal {
    /// Exit the process at once, after an `error` event on target `taskward`, with the status a
    /// shell reports for a process that the signal ended: 130 for SIGINT (and ctrl-c on non-Unix
    /// platforms), 143 for SIGTERM. The calls in flight are not waited for, and no destructor runs
    /// ([`std::process::exit`]). The default, and what [`Shutdown::on_signals`] does.
    #[default]
    Exit,
    /// Log it (a `warn` event on target `taskward`) and let the drain go on.
    Ignore,
}

impl SecondSignal {
    /// A signal `name` received after the first; `status`: the exit status it stands for.
    #[cold]
    fn on_signal(self, name: &'static str, status: i32) {
        match self {
            SecondSignal::Exit => {
                tracing::error!(
                    target: "taskward",
                    signal = name,
                    status,
                    "second signal during shutdown: exiting at once, without waiting for the calls in flight"
                );
                std::process::exit(status);
            }
            SecondSignal::Ignore => tracing::warn!(
                target: "taskward",
                signal = name,
                "second signal during shutdown: ignored, the drain goes on"
            ),
        }
    }
}
