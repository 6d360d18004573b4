// `allow(...)` takes the names of the stack lints; a misspelled one is an error on it, listing them.
#[taskward::bounded(2, allow(permit_held_across_restart))]
#[taskward::supervised]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
