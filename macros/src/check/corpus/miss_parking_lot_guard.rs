// expect: none
// missed: lock_across_await
// A parking_lot guard (no `.unwrap()` after `lock()`) across an await: not told from a future.
pub async fn bump_and_report(state: &parking_lot::Mutex<Stats>, sink: &Sink) {
    let mut stats = state.lock();
    stats.calls += 1;
    sink.report(stats.calls).await;
}
