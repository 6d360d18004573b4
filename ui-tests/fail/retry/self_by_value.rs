// #[retry] on a method taking `self` by value: the error points at `self`.
struct Client;

impl Client {
    #[taskward::retry]
    async fn fetch(self) -> Result<(), std::io::Error> {
        let _ = self;
        Ok(())
    }
}

fn main() {}
