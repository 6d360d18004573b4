// expect: none
// An actor handle: requests on a bounded channel, replies on oneshot channels.
impl CounterHandle {
    pub async fn get(&self) -> Result<u64, ActorGone> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Msg::Get { reply }).await.map_err(|_| ActorGone)?;
        answer.await.map_err(|_| ActorGone)
    }
}
