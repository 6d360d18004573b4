// The output is handed to every caller that shares the run, so it must be `Clone`.
struct Report {
    lines: Vec<String>,
}

#[taskward::coalesce]
async fn report(day: u32) -> Report {
    Report {
        lines: vec![day.to_string()],
    }
}

fn main() {}
