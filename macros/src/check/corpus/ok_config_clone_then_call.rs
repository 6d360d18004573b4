// expect: none
// The settings are cloned out of the RwLock before the request.
pub async fn call_partner(&self, order: &Order) -> Result<Receipt, PartnerError> {
    let settings = self.settings.read().unwrap().clone();
    let receipt = self
        .client
        .post(&settings.endpoint)
        .timeout(settings.timeout)
        .json(order)
        .send()
        .await?
        .json()
        .await?;
    Ok(receipt)
}
