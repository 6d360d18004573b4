// A `when` function of another error type: the error is on the path, naming the `fn(&E) -> bool` wanted.
fn is_outage(code: &u16) -> bool {
    *code >= 500
}

#[taskward::circuit_breaker(when = is_outage)]
async fn fetch() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {}
