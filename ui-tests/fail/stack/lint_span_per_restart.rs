// `#[tracing::instrument]` above `#[supervised]` makes a span per run, with taskward's restart
// events outside them: a warning on the taskward attribute, made an error by `#![deny(deprecated)]`.
#![deny(deprecated)]

#[tracing::instrument]
#[taskward::supervised]
async fn work(job: u32) -> Result<u32, taskward::Error> {
    Ok(job)
}

fn main() {}
