// expect: lock_across_await
// A proxy holding the routing table's read guard while it forwards the request.
impl Proxy {
    async fn forward(&self, req: Request<Body>) -> Result<Response<Body>, ProxyError> {
        let routes = self.routes.read().unwrap();
        let backend = routes.match_path(req.uri().path()).ok_or(ProxyError::NoRoute)?;
        let resp = self.client.request(backend.rewrite(req)).await?;
        Ok(resp)
    }
}
