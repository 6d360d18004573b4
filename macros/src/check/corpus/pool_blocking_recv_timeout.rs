// expect: blocking
// Waiting on a crossbeam channel with a timeout inside async code.
pub async fn next_batch(rx: &crossbeam_channel::Receiver<Event>, max: usize) -> Vec<Event> {
    let mut batch = Vec::with_capacity(max);
    while batch.len() < max {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(event) => batch.push(event),
            Err(_) => break,
        }
    }
    batch
}
