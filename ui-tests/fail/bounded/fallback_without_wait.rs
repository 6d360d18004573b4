// A fallback needs `wait`: without it a call never fails. The error is on `fallback`.
async fn cached(err: taskward::Error) {
    drop(err);
}

#[taskward::bounded(2, fallback = cached)]
async fn work() {}

fn main() {}
