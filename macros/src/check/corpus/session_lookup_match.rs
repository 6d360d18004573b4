// expect: lock_across_await
// The temporary guard of a `match` scrutinee lives through the arms, including the load.
impl Sessions {
    pub async fn get(&self, id: SessionId) -> Result<Session, Error> {
        let session = match self.live.lock().unwrap().get(&id) {
            Some(session) => session.clone(),
            None => self.store.load(id).await?,
        };
        Ok(session)
    }
}
