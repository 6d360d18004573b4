// #[supervised] on a method taking `self` by value: the error points at `self`.
struct Worker;

impl Worker {
    #[taskward::supervised]
    async fn run(self) -> Result<(), taskward::Error> {
        let _ = self;
        Ok(())
    }
}

fn main() {}
