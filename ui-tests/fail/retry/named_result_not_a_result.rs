// A type named `Result` that is not one: #[retry] says so at the return type.
mod search {
    pub struct Result {
        pub hits: u32,
    }
}

#[taskward::retry]
async fn find() -> search::Result {
    search::Result { hits: 1 }
}

fn main() {}
