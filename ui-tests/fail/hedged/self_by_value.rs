// `self` by value: each run needs it; the error is on `self` and says to take `&self`.
struct Client;

impl Client {
    #[taskward::hedged(after = "50ms")]
    async fn get(self) -> u32 {
        1
    }
}

fn main() {}
