// With a fallback the body runs on a copy of each argument: a non-`Clone` argument is an error at
// the argument.
struct Job;

async fn skip(job: Job, err: taskward::Error) {
    drop((job, err));
}

#[taskward::with_timeout("1s", fallback = skip)]
async fn run(job: Job) {
    drop(job);
}

fn main() {}
