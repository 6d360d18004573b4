// A function without a body (a trait's declaration) cannot be wrapped: the attribute goes on the impl.
trait Store {
    #[taskward::bounded(2)]
    async fn get(&self) -> u8;
}

fn main() {}
