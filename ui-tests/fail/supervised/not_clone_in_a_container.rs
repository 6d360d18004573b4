// A type that is not `Clone` inside a container keeps the message: the error is on the argument.
struct Job;

#[taskward::supervised]
async fn work(jobs: Vec<Job>, next: Option<Job>) -> Result<(), taskward::Error> {
    drop((jobs, next));
    Ok(())
}

fn main() {}
