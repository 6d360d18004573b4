// An owned argument that is not `Clone`: each run needs its own copy; the error is on it.
struct Request;

#[taskward::hedged(after = "50ms")]
async fn send(request: Request) -> u32 {
    let _ = request;
    1
}

fn main() {}
