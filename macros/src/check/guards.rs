//! A `std::sync::Mutex` or `RwLock` guard, or a `RefCell` borrow, alive across an `.await`: the
//! lock stays taken while the task is suspended, so another task on the same thread that takes it
//! deadlocks, and the future is not `Send`. tokio's locks are told apart by their `.await`
//! (`m.lock().await`); std's `lock()` is followed by `.unwrap()`, `.expect(..)` or `?`.

use proc_macro2::{Ident, Span};
use syn::Expr;
use syn::visit::Visit;

use super::walk::{Walker, addr};
use super::{Check, Finding, blocking};

/// A guard bound by a `let`, or a temporary one alive until the end of its statement.
pub struct Guard {
    /// The binding's name (`None` for a temporary).
    pub name: Option<String>,
    pub span: Span,
    pub what: &'static str,
    /// The block depth (within its frame) of the `let`; a temporary's is its statement's.
    pub depth: usize,
    pub alive: bool,
    pub reported: bool,
}

/// A name bound by a `let` in the frame, and the guard it holds, if any: the latest binding of a
/// name is the one `drop(name)` drops.
pub struct Binding {
    pub name: String,
    pub guard: Option<usize>,
    pub depth: usize,
}

/// What `expr` evaluates to, when it is a guard: `m.lock().unwrap()`, `m.read().expect(..)`,
/// `m.write()?`, `m.lock().unwrap_or_else(..)`, `cell.borrow_mut()`.
pub fn guard(expr: &Expr) -> Option<&'static str> {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            match method.as_str() {
                "unwrap" | "expect" | "unwrap_or_else" => lock(&call.receiver),
                "borrow" | "borrow_mut" if call.args.is_empty() => Some("a `RefCell` borrow"),
                _ => None,
            }
        }
        Expr::Try(inner) => lock(&inner.expr),
        Expr::Paren(inner) => guard(&inner.expr),
        Expr::Group(inner) => guard(&inner.expr),
        _ => None,
    }
}

/// `m.lock()`, `m.read()`, `m.write()` with no argument.
fn lock(expr: &Expr) -> Option<&'static str> {
    match expr {
        Expr::MethodCall(call) if call.args.is_empty() => match call.method.to_string().as_str() {
            "lock" => Some("a `std::sync::Mutex` guard"),
            "read" | "write" => Some("a `std::sync::RwLock` guard"),
            _ => None,
        },
        _ => None,
    }
}

/// The one name a `let` pattern binds as a whole (`g`, `mut g`, `g: T`), not `_`.
pub fn bound_name(pat: &syn::Pat) -> Option<&syn::Ident> {
    match pat {
        syn::Pat::Ident(p) if p.subpat.is_none() => Some(&p.ident),
        syn::Pat::Type(p) => bound_name(&p.pat),
        _ => None,
    }
}

pub fn message(guard: &Guard, await_span: Span) -> String {
    let at = super::line_of(await_span);
    // A `RefCell` is not a lock: held across an `.await`, any other borrow of it while the task
    // waits panics, and the future is not `Send`.
    let refcell = guard.what.contains("RefCell");
    let (held, instead) = if refcell {
        (
            "the cell stays borrowed while the task is suspended (any other borrow of it meanwhile panics with `BorrowMutError`, and the future is not `Send`)",
            "or keep the state in a `tokio::sync::Mutex` and `.lock().await` it",
        )
    } else {
        (
            "the lock stays taken while the task is suspended (another task taking it deadlocks, and the future is not `Send`)",
            "or use `tokio::sync::Mutex` / `RwLock` and `.lock().await`",
        )
    };
    match &guard.name {
        Some(name) => format!(
            "`{name}` ({}) is still held at the `.await` {at}: {held}; end it before the `.await` (`drop({name})`, or a block around its use), {instead}",
            guard.what
        ),
        None => {
            let example = if refcell {
                "`let value = cell.borrow().clone();`"
            } else {
                "`let value = m.lock().unwrap().clone();`"
            };
            format!(
                "{} taken in this statement lives until the statement ends, past the `.await` {at}: take what you need into a `let` first ({example}), then await, {instead}",
                guard.what
            )
        }
    }
}

impl Walker<'_> {
    pub(super) fn begin_statement(&mut self) {
        let frame = self.frame();
        let at = frame.guards.len();
        frame.statements.push(at);
    }

    /// The temporaries of the statement end with it.
    pub(super) fn end_statement(&mut self) {
        let frame = self.frame();
        if let Some(at) = frame.statements.pop() {
            for guard in &mut frame.guards[at..] {
                if guard.name.is_none() {
                    guard.alive = false;
                }
            }
        }
    }

    /// An `.await` (or a macro that awaits): every guard alive in the frame is held across it.
    pub(super) fn await_point(&mut self, span: Span) {
        if self.allowed(Check::LockAcrossAwait) {
            return;
        }
        let frame = self.frame();
        let mut found = Vec::new();
        for guard in &mut frame.guards {
            if guard.alive && !guard.reported {
                guard.reported = true;
                found.push(Finding {
                    check: Check::LockAcrossAwait,
                    span: guard.span,
                    message: message(guard, span),
                });
            }
        }
        self.out.findings.extend(found);
    }

    /// `name` is dropped or moved: the guard it holds, if any, ends here (and is returned).
    pub(super) fn take_guard(&mut self, name: &Ident) -> Option<usize> {
        let frame = self.frame();
        let binding = frame.bindings.iter().rev().find(|b| *name == b.name)?;
        let index = binding.guard?;
        let guard = &mut frame.guards[index];
        if !guard.alive {
            return None;
        }
        guard.alive = false;
        Some(index)
    }

    /// A `let`: its initialiser walked, then its names bound, a guard among them when the
    /// initialiser is one as a whole (or moves one: `let h = g;`).
    pub(super) fn bind_local(&mut self, local: &syn::Local) {
        let name = bound_name(&local.pat);
        let mut guard = None;
        let mut moved = None;
        if let Some(init) = &local.init {
            let what = self::guard(&init.expr).filter(|_| name.is_some());
            if what.is_some() {
                self.bound_init = addr(&*init.expr);
            }
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            if let Expr::Path(path) = &*init.expr
                && let Some(from) = path.path.get_ident()
            {
                moved = self.take_guard(from);
            }
            guard = what;
            if let Some(name) = name
                && blocking::builds_command(&init.expr, &self.uses)
            {
                let name = name.to_string();
                self.frame().commands.push(name);
            }
        }
        let allowed = self.allowed(Check::LockAcrossAwait);
        let frame = self.frame();
        let depth = frame.depth;
        let mut names = Vec::new();
        crate::item::bindings(&local.pat, &mut names);
        for (ident, _) in names {
            let held = match (name, guard, moved) {
                (Some(whole), Some(what), _) if *whole == ident && !allowed => {
                    frame.guards.push(Guard {
                        name: Some(ident.to_string()),
                        span: ident.span(),
                        what,
                        depth,
                        alive: true,
                        reported: false,
                    });
                    Some(frame.guards.len() - 1)
                }
                (Some(whole), None, Some(index)) if *whole == ident => {
                    let guard = &mut frame.guards[index];
                    guard.alive = true;
                    guard.name = Some(ident.to_string());
                    guard.depth = depth;
                    Some(index)
                }
                _ => None,
            };
            frame.bindings.push(Binding {
                name: ident.to_string(),
                guard: held,
                depth,
            });
        }
    }
}

/// Where a temporary guard is pointed at: its `lock()` (or `borrow()`).
pub fn guard_span(expr: &Expr) -> Span {
    match expr {
        Expr::MethodCall(call) => match &*call.receiver {
            Expr::MethodCall(inner) if call.method != "borrow" && call.method != "borrow_mut" => {
                inner.method.span()
            }
            _ => call.method.span(),
        },
        Expr::Try(inner) => guard_span(&inner.expr),
        Expr::Paren(inner) => guard_span(&inner.expr),
        Expr::Group(inner) => guard_span(&inner.expr),
        _ => Span::call_site(),
    }
}
