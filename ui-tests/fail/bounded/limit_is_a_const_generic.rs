// A limit that is a const generic parameter: one `static` serves every instantiation.
#[taskward::bounded(N)]
async fn work<const N: usize>() -> usize {
    N
}

fn main() {}
