// `when` given a string: it takes a function; the message says how to write one.
#[taskward::retry(when = "is_transient")]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
