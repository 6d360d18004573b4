// expect: blocking
// Code moved from a CLI into a service kept its blocking HTTP client.
async fn fetch_exchange_rates(base: &str) -> anyhow::Result<Rates> {
    let url = format!("https://rates.example.com/latest?base={base}");
    let rates: Rates = reqwest::blocking::get(url)?.json()?;
    Ok(rates)
}
