// `&mut self`: two runs at once cannot both hold it; the error is on the receiver.
struct Client {
    calls: u32,
}

impl Client {
    #[taskward::hedged(after = "50ms")]
    async fn get(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }
}

fn main() {}
