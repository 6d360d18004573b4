//! Blocking calls in async code: they hold the runtime's worker thread, so every other task on it
//! waits. Told by the path as written (read through the body's imports), and, where the module's
//! imports could make the same name tokio's, by how the call is used: tokio's versions are futures,
//! so a call that no `.await` takes is the blocking one.

use syn::Expr;

use super::scope::{Resolved, Uses};

/// How a call is used.
#[derive(Clone, Copy)]
pub struct Use {
    /// Inside the operand of an `.await`.
    pub awaited: bool,
    /// The whole of an expression statement (`sleep(d);`).
    pub statement: bool,
}

const MOVE_IT: &str =
    "or move the blocking work into a `#[blocking] fn` or `tokio::task::spawn_blocking`";

/// The message for a call of the function at `path` (resolved), if it blocks.
pub fn call(path: &Resolved, how: Use) -> Option<String> {
    let s: Vec<&str> = path.segments.iter().map(String::as_str).collect();
    let last = path.last();
    if path.ends_with(&["thread", "sleep"])
        || (s == ["sleep"] && !path.imported && how.statement && !how.awaited)
    {
        return Some(
            "`std::thread::sleep` blocks the runtime's thread, and every task on it waits: write `tokio::time::sleep(duration).await`".to_owned(),
        );
    }
    if path.ends_with(&["thread", "scope"]) {
        return Some(format!(
            "`std::thread::scope` waits for its threads on the runtime's thread: spawn the work with `tokio::task::spawn_blocking` and `.await` it, {MOVE_IT}"
        ));
    }
    if last == "block_on" {
        return Some(block_on());
    }
    if path.starts_with(&["std", "fs"]) {
        return Some(fs(&s[2..]));
    }
    if !path.rooted() && !how.awaited {
        if s.len() >= 2 && s[0] == "fs" && !matches!(last, "from_std" | "into_std") {
            return Some(fs(&s[1..]));
        }
        if matches!(s.as_slice(), ["File", "open" | "create"]) {
            return Some(fs(&s));
        }
    }
    let net = match s.as_slice() {
        ["std", "net", ty, f] => Some((*ty, *f)),
        [ty, f] if !path.rooted() && !how.awaited => Some((*ty, *f)),
        ["net", ty, f] if !path.rooted() && !how.awaited => Some((*ty, *f)),
        _ => None,
    };
    if let Some((ty @ ("TcpStream" | "TcpListener" | "UdpSocket"), f)) = net
        && matches!(f, "connect" | "connect_timeout" | "bind")
    {
        return Some(format!(
            "`std::net::{ty}::{f}` blocks the runtime's thread, and so does every read and write on the socket it gives: write `tokio::net::{ty}::{}(..).await`",
            if f == "connect_timeout" { "connect" } else { f }
        ));
    }
    if path
        .segments
        .windows(2)
        .any(|w| w[0] == "reqwest" && w[1] == "blocking")
        || (!path.rooted()
            && s.len() >= 2
            && s[0] == "blocking"
            && matches!(s[1], "get" | "Client" | "ClientBuilder"))
    {
        return Some(format!(
            "`reqwest::blocking` runs a runtime of its own and blocks this thread on it (it panics inside tokio): use the async `reqwest::Client` and `.send().await`, {MOVE_IT}"
        ));
    }
    if path.first() == "ureq" {
        return Some(format!(
            "`ureq` is a blocking HTTP client: use an async one (`reqwest::Client`, `.send().await`), {MOVE_IT}"
        ));
    }
    None
}

fn block_on() -> String {
    "`block_on` inside async code blocks this thread on another future (and panics on a tokio runtime thread): `.await` the future instead".to_owned()
}

fn fs(rest: &[&str]) -> String {
    let name = rest.join("::");
    format!(
        "`std::fs::{name}` blocks the runtime's thread on the disk: write `tokio::fs::{name}(..).await`, {MOVE_IT}"
    )
}

/// The message for a method call `receiver.method(args)`, if it blocks. `commands`: the local
/// names bound to a `Command::new(..)`.
pub fn method(
    method: &str,
    receiver: &Expr,
    args: usize,
    how: Use,
    uses: &Uses,
    commands: &[String],
) -> Option<String> {
    if method == "block_on" {
        return Some(block_on());
    }
    if how.awaited {
        return None;
    }
    match (method, args) {
        ("to_socket_addrs", 0) => Some(
            "`to_socket_addrs` resolves the name with a blocking DNS lookup: write `tokio::net::lookup_host(addr).await`".to_owned(),
        ),
        ("read_line", 1) => Some(format!(
            "`read_line` of a std reader (`std::io::stdin()`, a `BufReader` of a `std::fs::File`) blocks the runtime's thread: read through `tokio::io::BufReader` and `AsyncBufReadExt::read_line(..).await` (`tokio::io::stdin()` for the terminal), {MOVE_IT}"
        )),
        ("recv", 0) | ("recv_timeout", 1) => Some(
            "a `recv()` that is not awaited is a blocking receive (std, crossbeam or flume): the runtime's thread waits for a message; use `tokio::sync::mpsc` and `recv().await` (flume: `recv_async().await`)".to_owned(),
        ),
        ("join", 0) => Some(
            "`JoinHandle::join` of a std thread blocks the runtime's thread until the thread ends: run the work with `tokio::task::spawn_blocking` (or a `#[blocking] fn`) and `.await` it".to_owned(),
        ),
        ("output" | "status" | "wait" | "wait_with_output", 0)
            if from_command(receiver, uses, commands) =>
        {
            Some(format!(
                "`std::process::Command::{method}` blocks the runtime's thread until the child process ends: write `tokio::process::Command` and `.{method}().await`"
            ))
        }
        _ => None,
    }
}

/// Whether the chain `receiver` starts at `Command::new(..)` (not tokio's) or at a local bound
/// to one.
fn from_command(receiver: &Expr, uses: &Uses, commands: &[String]) -> bool {
    match root(receiver) {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => {
                let resolved = uses.resolve(&path.path);
                resolved.ends_with(&["Command", "new"]) && resolved.first() != "tokio"
            }
            _ => false,
        },
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| commands.iter().any(|name| ident == name)),
        _ => false,
    }
}

/// The start of a chain of method calls, `?` and field accesses.
pub fn root(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::MethodCall(call) => &call.receiver,
            Expr::Try(inner) => &inner.expr,
            Expr::Paren(inner) => &inner.expr,
            Expr::Group(inner) => &inner.expr,
            Expr::Field(inner) => &inner.base,
            Expr::Reference(inner) => &inner.expr,
            other => return other,
        };
    }
}

/// Whether `init` (a `let`'s) is a `std::process::Command` being built, so that its name is
/// remembered for a later `.output()`.
pub fn builds_command(init: &Expr, uses: &Uses) -> bool {
    from_command(init, uses, &[])
        && !matches!(init, Expr::MethodCall(call) if matches!(call.method.to_string().as_str(), "output" | "status" | "spawn" | "wait"))
}
