// #[supervised] with an `impl Trait` argument without `+ Clone`: the error points at the argument.
#[taskward::supervised]
async fn work(name: impl std::fmt::Display) -> Result<(), taskward::Error> {
    let _ = name.to_string();
    Ok(())
}

fn main() {}
