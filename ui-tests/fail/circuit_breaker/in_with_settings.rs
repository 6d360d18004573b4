// A setting together with `in`: the shared breaker has its own settings; the error is on the setting.
static PARTNER: taskward::Breaker = taskward::Breaker::new();

#[taskward::circuit_breaker(in = PARTNER, failures = 3)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
