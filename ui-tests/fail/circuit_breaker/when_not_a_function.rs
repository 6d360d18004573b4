// `when` names something that is not a function: the error is on the path, saying what it takes.
const OUTAGE: u16 = 503;

#[taskward::circuit_breaker(when = OUTAGE)]
async fn fetch() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {}
