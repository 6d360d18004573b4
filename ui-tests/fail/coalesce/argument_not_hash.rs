// With no `key = ...`, the arguments are the key: each must be `Clone + Hash + Eq`.
#[derive(Clone)]
struct Query {
    text: String,
    limit: f64,
}

#[taskward::coalesce]
async fn search(page: u32, query: Query) -> usize {
    query.text.len() + page as usize + query.limit as usize
}

fn main() {}
