// `key = ...` must give a value that is `Hash + Eq`: a float is not.
#[taskward::coalesce(key = threshold)]
async fn above(threshold: f64, values: Vec<u32>) -> usize {
    values.iter().filter(|&&v| f64::from(v) > threshold).count()
}

fn main() {}
