// #[retry] with an owned argument that is not `Clone`: the error points at that argument.
struct Request;

#[taskward::retry]
async fn send(request: Request) -> Result<(), std::io::Error> {
    let _ = request;
    Ok(())
}

fn main() {}
