//! The one walk of a body: it keeps what the checks need as it goes (the imports in scope, the
//! frames of code that runs on its own, the loops, the guards alive), and asks the check modules
//! about each call, method call and `.await` it meets.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Stmt, Token};

use super::allow::expr_attrs;
use super::blocking::{self, Use};
use super::guards::guard_span;
use super::guards::{self, Binding, Guard};
use super::scope::Uses;
use super::spawn::{self, Loop};
use super::{Check, Finding, Outcome, channels};

/// Code that runs as one piece: the function's body, a closure, an `async` block.
pub(super) struct Frame {
    /// It runs on the async executor's thread (blocking calls there are findings).
    pub(super) runs_async: bool,
    /// How many `.await` operands the walk is inside of.
    pub(super) awaited: usize,
    /// The depth of blocks within the frame.
    pub(super) depth: usize,
    pub(super) guards: Vec<Guard>,
    pub(super) bindings: Vec<Binding>,
    /// For each statement being walked, the number of guards when it began: its temporaries
    /// come after.
    pub(super) statements: Vec<usize>,
    /// The names bound to a `std::process::Command` being built.
    pub(super) commands: Vec<String>,
}

impl Frame {
    pub(super) fn new(runs_async: bool) -> Frame {
        Frame {
            runs_async,
            awaited: 0,
            depth: 0,
            guards: Vec::new(),
            bindings: Vec::new(),
            statements: Vec::new(),
            commands: Vec::new(),
        }
    }
}

pub struct Walker<'a> {
    pub(super) allowed_fn: &'a [Check],
    /// Allowed by `#[check(allow(..))]` on the statements and expressions around.
    pub(super) allowed_here: Vec<Check>,
    pub(super) uses: Uses,
    pub(super) frames: Vec<Frame>,
    pub(super) loops: Vec<Loop>,
    pub(super) out: Outcome,
    /// The address of the `let` initialiser being bound as a guard (not a temporary).
    pub(super) bound_init: usize,
    /// The address of the call that is a whole expression statement.
    pub(super) statement_call: usize,
    /// The next closure is an argument of `spawn_blocking` and the like: it runs off the executor.
    pub(super) closure_sync: bool,
    /// The next closure runs once per item of an iterator (`Some(true)`: of a range).
    pub(super) closure_loop: Option<bool>,
}

pub(super) fn addr<T>(node: &T) -> usize {
    core::ptr::from_ref(node) as usize
}

impl<'a> Walker<'a> {
    pub fn run(block: &syn::Block, runs_async: bool, allowed: &'a [Check]) -> Outcome {
        let mut walker = Walker {
            allowed_fn: allowed,
            allowed_here: Vec::new(),
            uses: Uses::default(),
            frames: vec![Frame::new(runs_async)],
            loops: Vec::new(),
            out: Outcome::default(),
            bound_init: 0,
            statement_call: 0,
            closure_sync: false,
            closure_loop: None,
        };
        walker.visit_block(block);
        walker.out
    }

    pub(super) fn allowed(&self, check: Check) -> bool {
        self.allowed_fn.contains(&check) || self.allowed_here.contains(&check)
    }

    pub(super) fn find(&mut self, check: Check, span: Span, message: String) {
        if !self.allowed(check) {
            self.out.findings.push(Finding {
                check,
                span,
                message,
            });
        }
    }

    pub(super) fn frame(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    pub(super) fn error(&mut self, err: syn::Error) {
        match &mut self.out.errors {
            Some(all) => all.combine(err),
            None => self.out.errors = Some(err),
        }
    }

    /// The arguments of a call, the closures among them marked as running off the executor or
    /// once per item.
    fn args(&mut self, args: &Punctuated<Expr, Token![,]>, sync: bool, per_item: Option<bool>) {
        for arg in args {
            if matches!(arg, Expr::Closure(_)) {
                self.closure_sync = sync;
                self.closure_loop = per_item;
            }
            self.visit_expr(arg);
        }
    }

    fn how(&self, expr: usize) -> Use {
        Use {
            awaited: self.frames.last().is_some_and(|f| f.awaited > 0),
            statement: expr == self.statement_call,
        }
    }
}

/// Whether a condition binds with `let` (its temporaries then live through the branch).
fn has_let(cond: &Expr) -> bool {
    match cond {
        Expr::Let(_) => true,
        Expr::Binary(bin) => has_let(&bin.left) || has_let(&bin.right),
        Expr::Paren(inner) => has_let(&inner.expr),
        _ => false,
    }
}

/// Macros whose arguments are expressions, looked into; the others are not.
const PLAIN_MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "format_args",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "vec",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "anyhow",
    "bail",
    "ensure",
];

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.uses.enter();
        for stmt in &block.stmts {
            if let Stmt::Item(Item::Use(item)) = stmt {
                self.uses.add(item);
            }
        }
        self.frame().depth += 1;
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
        let frame = self.frame();
        let depth = frame.depth;
        for guard in &mut frame.guards {
            if guard.depth >= depth {
                guard.alive = false;
            }
        }
        frame.bindings.retain(|b| b.depth < depth);
        frame.depth -= 1;
        self.uses.leave();
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        let pushed = match stmt {
            Stmt::Local(local) => self.allow_in(&local.attrs),
            Stmt::Macro(mac) => self.allow_in(&mac.attrs),
            // Items are not this function's code (a nested `fn` can carry its own `#[check]`);
            // expressions carry their own attributes.
            Stmt::Item(_) => return,
            Stmt::Expr(..) => 0,
        };
        self.begin_statement();
        if let Stmt::Expr(expr @ Expr::Call(_), Some(_)) = stmt {
            self.statement_call = match expr {
                Expr::Call(call) => addr(call),
                _ => 0,
            };
        }
        visit::visit_stmt(self, stmt);
        self.end_statement();
        self.release(pushed);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.bind_local(local);
    }

    fn visit_item(&mut self, _item: &'ast Item) {}

    fn visit_expr(&mut self, expr: &'ast Expr) {
        let pushed = self.allow_in(expr_attrs(expr));
        if let Some(what) = guards::guard(expr)
            && addr(expr) != self.bound_init
            && !self.allowed(Check::LockAcrossAwait)
        {
            let frame = self.frame();
            if !frame.statements.is_empty() {
                let depth = frame.depth;
                frame.guards.push(Guard {
                    name: None,
                    span: guard_span(expr),
                    what,
                    depth,
                    alive: true,
                    reported: false,
                });
            }
        }
        visit::visit_expr(self, expr);
        self.release(pushed);
    }

    fn visit_expr_await(&mut self, node: &'ast syn::ExprAwait) {
        self.frame().awaited += 1;
        self.visit_expr(&node.base);
        self.frame().awaited -= 1;
        self.await_point(node.await_token.span);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let mut sync = false;
        if let Expr::Path(path) = &*call.func {
            let resolved = self.uses.resolve(&path.path);
            let span = path
                .path
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span());
            let how = self.how(addr(call));
            for arg in &call.args {
                // Dropped, or moved into the call.
                if let Expr::Path(arg) = arg
                    && let Some(ident) = arg.path.get_ident()
                {
                    let _ = self.take_guard(ident);
                }
            }
            if self.frame().runs_async
                && let Some(message) = blocking::call(&resolved, how)
            {
                self.find(Check::Blocking, span, message);
            }
            if let Some(message) = channels::call(&resolved, call.args.len()) {
                self.find(Check::UnboundedChannel, span, message);
            }
            if spawn::spawns_task(&resolved, &call.args) && !how.awaited {
                self.spawned(span);
            }
            let last = resolved.last();
            sync = matches!(last, "spawn_blocking" | "block_in_place")
                || resolved.ends_with(&["thread", "spawn"])
                || resolved.ends_with(&["thread", "scope"])
                || (resolved.segments.len() == 1 && last == "spawn");
        }
        self.visit_expr(&call.func);
        self.args(&call.args, sync, None);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        let how = self.how(0);
        if self.frames.last().is_some_and(|f| f.runs_async) {
            let found = blocking::method(
                &method,
                &call.receiver,
                call.args.len(),
                how,
                &self.uses,
                &self.frames[self.frames.len() - 1].commands,
            );
            if let Some(message) = found {
                self.find(Check::Blocking, call.method.span(), message);
            }
        }
        if spawn::bounds_loop(&method, how.awaited) {
            for open in &mut self.loops {
                open.bounded = true;
            }
        }
        let sync = matches!(
            method.as_str(),
            "spawn_blocking" | "block_in_place" | "spawn"
        );
        let per_item = spawn::iterates(&method, &call.receiver);
        self.visit_expr(&call.receiver);
        self.args(&call.args, sync, per_item);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let inherited = self.frames.last().is_some_and(|f| f.runs_async);
        let runs_async =
            closure.asyncness.is_some() || (!core::mem::take(&mut self.closure_sync) && inherited);
        let per_item = self.closure_loop.take();
        self.frames.push(Frame::new(runs_async));
        match per_item {
            Some(range) => self.in_loop(!range, |w| w.visit_expr(&closure.body)),
            None => self.visit_expr(&closure.body),
        }
        self.frames.pop();
    }

    fn visit_expr_async(&mut self, node: &'ast syn::ExprAsync) {
        self.frames.push(Frame::new(true));
        self.visit_block(&node.block);
        self.frames.pop();
    }

    fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
        self.in_loop(true, |w| w.visit_block(&node.body));
    }

    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        self.in_loop(true, |w| {
            w.begin_statement();
            w.visit_expr(&node.cond);
            if !has_let(&node.cond) {
                w.end_statement();
            }
            w.visit_block(&node.body);
            if has_let(&node.cond) {
                w.end_statement();
            }
        });
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.visit_expr(&node.expr);
        self.in_loop(!spawn::is_range(&node.expr), |w| w.visit_block(&node.body));
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.begin_statement();
        self.visit_expr(&node.cond);
        if has_let(&node.cond) {
            self.visit_block(&node.then_branch);
            self.end_statement();
        } else {
            self.end_statement();
            self.visit_block(&node.then_branch);
        }
        if let Some((_, other)) = &node.else_branch {
            self.visit_expr(other);
        }
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.begin_statement();
        // A guard `if ..` is part of the pattern.
        self.visit_pat(&arm.pat);
        self.visit_expr(&arm.body);
        self.end_statement();
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let Some(last) = mac.path.segments.last() else {
            return;
        };
        let name = last.ident.to_string();
        if matches!(name.as_str(), "select" | "join" | "try_join")
            && self.frames.last().is_some_and(|f| f.runs_async)
        {
            self.await_point(last.ident.span());
        } else if PLAIN_MACROS.contains(&name.as_str())
            && let Ok(args) =
                Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone())
        {
            for arg in &args {
                Visit::visit_expr(self, arg);
            }
        }
    }
}
