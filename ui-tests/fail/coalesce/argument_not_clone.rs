// With no `key = ...`, each argument is cloned into the key: it must be `Clone`.
#[derive(PartialEq, Eq, Hash)]
struct Token(u64);

#[taskward::coalesce]
async fn refresh(token: Token) -> u64 {
    token.0
}

fn main() {}
