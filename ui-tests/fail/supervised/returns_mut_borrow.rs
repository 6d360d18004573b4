// A body that runs again cannot return a `&mut` borrow of an argument it re-borrows for each run:
// the error is on the return type and says why.
#[taskward::supervised]
async fn next<'a>(slot: &'a mut u8) -> Result<&'a mut u8, taskward::Error> {
    *slot += 1;
    Ok(slot)
}

fn main() {}
