// expect: none
// A request counter bumped in a statement of its own before the await.
impl<S: Service> Counted<S> {
    pub async fn call(&self, req: Request) -> Result<Response, S::Error> {
        *self.hits.lock().unwrap() += 1;
        self.in_flight.lock().unwrap().insert(req.id());
        let resp = self.inner.call(req).await;
        resp
    }
}
