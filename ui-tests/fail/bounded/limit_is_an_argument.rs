// A limit that is an argument: the error is on it and says how to limit by a run-time number.
#[taskward::bounded(n)]
async fn work(n: usize) -> usize {
    n
}

fn main() {}
