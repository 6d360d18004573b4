// expect: lock_across_await
// Draining an outbox: the `while let` scrutinee's guard lives through each send.
impl Outbox {
    pub async fn flush(&self) -> Result<(), SendError> {
        while let Some(msg) = self.pending.lock().unwrap().pop_front() {
            self.transport.send(msg).await?;
        }
        Ok(())
    }
}
