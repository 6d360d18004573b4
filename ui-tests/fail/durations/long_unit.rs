// A unit written out (`hours`): the message names the unit to write.
#[taskward::supervised(within = "2hours")]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
