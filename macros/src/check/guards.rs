//! A `std::sync::Mutex` or `RwLock` guard, or a `RefCell` borrow, alive across an `.await`: the
//! lock stays taken while the task is suspended, so another task on the same thread that takes it
//! deadlocks, and the future is not `Send`. tokio's locks are told apart by their `.await`
//! (`m.lock().await`); std's `lock()` is followed by `.unwrap()`, `.expect(..)` or `?`.

use proc_macro2::Span;
use syn::Expr;

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
    match &guard.name {
        Some(name) => format!(
            "`{name}` ({}) is still held at the `.await` {at}: the lock stays taken while the task is suspended (another task taking it deadlocks, and the future is not `Send`); end it before the `.await` (`drop({name})`, or a block around its use), or use `tokio::sync::Mutex` / `RwLock` and `.lock().await`",
            guard.what
        ),
        None => format!(
            "{} taken in this statement lives until the statement ends, past the `.await` {at}: take what you need into a `let` first (`let value = m.lock().unwrap().clone();`), then await, or use `tokio::sync::Mutex` / `RwLock` and `.lock().await`",
            guard.what
        ),
    }
}
