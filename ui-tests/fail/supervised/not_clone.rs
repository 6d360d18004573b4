// #[supervised] with an owned argument that is not `Clone`: the error points at that argument.
struct Job;

#[taskward::supervised]
async fn work(job: Job) -> Result<(), taskward::Error> {
    let _ = job;
    Ok(())
}

fn main() {}
