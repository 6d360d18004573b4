//! `tokio::spawn` in a loop with nothing that bounds how many tasks run at once: every iteration
//! adds a task, however many are still running. A loop is bounded when its body acquires a permit
//! (`acquire`, `acquire_owned`, ...), drains a `JoinSet` (`join_next`), or awaits `accept()` (one
//! task per connection: the standard tokio server), and a `for` over a range (`0..n`) spawns a
//! fixed pool. A spawn that is awaited at once runs one task at a time.

use proc_macro2::Span;
use syn::Expr;

use super::scope::Resolved;
use super::walk::Walker;
use super::{Check, Finding};

/// A loop being walked.
pub struct Loop {
    /// Its iterations are not a fixed count (`loop`, `while`, `for` over anything but a range).
    pub open_ended: bool,
    /// A permit, a `JoinSet` drain or an `accept().await` was seen in it.
    pub bounded: bool,
    /// The frame (closure, async block) the loop is in: a spawn counts for the innermost loop of
    /// its own frame.
    pub frame: usize,
    pub spawns: Vec<Pending>,
}

/// A spawn waiting for its loops to be known bounded or not.
pub struct Pending {
    pub span: Span,
    /// Some loop around it is open-ended.
    pub open_ended: bool,
}

impl Loop {
    pub fn new(open_ended: bool, frame: usize) -> Loop {
        Loop {
            open_ended,
            bounded: false,
            frame,
            spawns: Vec::new(),
        }
    }
}

/// Whether a call of `path` with `args` spawns a tokio task (not a thread, not a `JoinSet`'s).
pub fn spawns_task(
    path: &Resolved,
    args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
) -> bool {
    if path.ends_with(&["tokio", "spawn"])
        || path.ends_with(&["task", "spawn"])
        || path.ends_with(&["task", "spawn_local"])
    {
        return true;
    }
    matches!(path.segments.as_slice(), [one] if one == "spawn" || one == "spawn_local")
        && !matches!(args.first(), Some(Expr::Closure(closure)) if closure.asyncness.is_none())
}

/// Whether a method of this name in a loop bounds it.
pub fn bounds_loop(method: &str, awaited: bool) -> bool {
    method.starts_with("acquire")
        || method.starts_with("try_acquire")
        || method == "join_next"
        || method == "join_next_with_id"
        || (method == "accept" && awaited)
}

/// Whether `expr` (what a `for` iterates) is a range: a fixed number of iterations.
pub fn is_range(expr: &Expr) -> bool {
    match expr {
        Expr::Range(_) => true,
        Expr::Paren(inner) => is_range(&inner.expr),
        Expr::Group(inner) => is_range(&inner.expr),
        Expr::MethodCall(call)
            if matches!(
                call.method.to_string().as_str(),
                "rev" | "step_by" | "into_iter"
            ) =>
        {
            is_range(&call.receiver)
        }
        _ => false,
    }
}

/// Whether `receiver.method(closure)` runs the closure once per item of an iterator
/// (`for_each`, or `map` of `iter()`, `into_iter()`, `drain(..)`): a loop in disguise. The
/// answer's second part: whether the iterator is a range (a fixed count).
pub fn iterates(method: &str, receiver: &Expr) -> Option<bool> {
    let over = || {
        let root = super::blocking::root(receiver);
        is_range(root)
    };
    match method {
        "for_each" => Some(over()),
        "map" => match receiver {
            Expr::MethodCall(call)
                if matches!(
                    call.method.to_string().as_str(),
                    "iter" | "into_iter" | "drain"
                ) =>
            {
                Some(over())
            }
            Expr::Paren(inner) if is_range(&inner.expr) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

pub fn message() -> String {
    "`tokio::spawn` in a loop with nothing bounding how many tasks run at once: each iteration adds one however many are still running; acquire a permit of a `tokio::sync::Semaphore` in the loop before spawning (`acquire_owned().await`, moved into the task), or drain a `JoinSet` as it grows; when the spawned function carries `#[bounded(n)]`, say so with `#[check(allow(unbounded_spawn))]` on the loop".to_owned()
}

impl Walker<'_> {
    pub(super) fn spawned(&mut self, span: Span) {
        if self.allowed(Check::UnboundedSpawn) {
            return;
        }
        let frame = self.frames.len() - 1;
        if let Some(innermost) = self.loops.last_mut()
            && innermost.frame == frame
        {
            innermost.spawns.push(Pending {
                span,
                open_ended: false,
            });
        }
    }

    pub(super) fn end_loop(&mut self) {
        let Some(done) = self.loops.pop() else {
            return;
        };
        if done.bounded {
            return;
        }
        for mut pending in done.spawns {
            pending.open_ended |= done.open_ended;
            if let Some(outer) = self.loops.last_mut() {
                outer.spawns.push(pending);
            } else if pending.open_ended {
                self.out.findings.push(Finding {
                    check: Check::UnboundedSpawn,
                    span: pending.span,
                    message: message(),
                });
            }
        }
    }

    pub(super) fn in_loop<F: FnOnce(&mut Self)>(&mut self, open_ended: bool, walk: F) {
        let frame = self.frames.len() - 1;
        self.loops.push(Loop::new(open_ended, frame));
        walk(self);
        self.end_loop();
    }
}
