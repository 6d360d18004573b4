// #[check] on something that is not a function: an error on the item's first token, saying that
// it goes on a function (any function, `async` or not).
#[taskward::check]
struct Config {
    path: String,
}

fn main() {}
