// A type named `Result` that is not one: the error is on the return type and says how to name it.
mod search {
    pub struct Result {
        pub hits: u32,
    }
}

#[taskward::with_timeout("1s")]
async fn find() -> search::Result {
    search::Result { hits: 1 }
}

fn main() {}
