// A generic argument without `'static`: the compiler says to add the bound.
#[taskward::blocking]
fn show<T: std::fmt::Display + Send>(value: T) -> String {
    value.to_string()
}

fn main() {}
