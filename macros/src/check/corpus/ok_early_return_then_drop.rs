// expect: none
// A cache hit returns while the guard is held; on a miss the guard is dropped before the fetch.
impl Geo {
    pub async fn country(&self, ip: IpAddr) -> Result<Country, GeoError> {
        let cache = self.cache.lock().unwrap();
        if let Some(hit) = cache.get(&ip) {
            return Ok(hit.clone());
        }
        drop(cache);
        let country = self.api.lookup(ip).await?;
        self.cache.lock().unwrap().insert(ip, country.clone());
        Ok(country)
    }
}
