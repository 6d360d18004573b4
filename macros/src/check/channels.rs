//! Unbounded channels: nothing slows a sender down when the receiver falls behind, so the queue
//! (and the memory) grows without limit. Told by the path and, where std's and tokio's share a name
//! (`mpsc::channel`), by the arity: tokio's takes a capacity, std's takes none.

use super::scope::Resolved;

/// The message for a call of the function at `path` with `args` arguments, if it makes an
/// unbounded channel.
pub fn call(path: &Resolved, args: usize) -> Option<String> {
    if args != 0 {
        return None;
    }
    let last = path.last();
    if last == "unbounded_channel" {
        return Some(
            "`unbounded_channel()` has no capacity, so a receiver that falls behind lets the queue grow without limit: write `tokio::sync::mpsc::channel(capacity)`, whose `send(..).await` waits while it is full".to_owned(),
        );
    }
    if path.ends_with(&["mpsc", "channel"])
        && !path.starts_with(&["tokio"])
        && !path.starts_with(&["futures"])
    {
        return Some(
            "`std::sync::mpsc::channel()` is unbounded, and its `recv()` blocks: in async code write `tokio::sync::mpsc::channel(capacity)`; between threads, `std::sync::mpsc::sync_channel(capacity)`".to_owned(),
        );
    }
    if last == "unbounded" {
        let krate = path.first();
        let bounded = match path.segments.as_slice() {
            [_] => "`bounded(capacity)` of the same crate".to_owned(),
            _ if krate == "futures" || path.ends_with(&["mpsc", "unbounded"]) => {
                "`futures::channel::mpsc::channel(capacity)`".to_owned()
            }
            segments => format!(
                "`{}::bounded(capacity)`",
                segments[..segments.len() - 1].join("::")
            ),
        };
        return Some(format!(
            "`{}()` has no capacity, so a receiver that falls behind lets the queue grow without limit: write {bounded}",
            path.joined()
        ));
    }
    None
}
