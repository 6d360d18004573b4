// One map of runs per function: a generic function would share it between its instances.
#[taskward::coalesce]
async fn parse<T: std::str::FromStr + Clone>(text: String) -> Option<T> {
    text.parse().ok()
}

fn main() {}
