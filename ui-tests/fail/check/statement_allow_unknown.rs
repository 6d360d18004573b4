// A misspelled check in a statement's `#[check(allow(..))]`: an error on the name, listing the
// checks.
#[taskward::check]
async fn f() {
    #[check(allow(sleep))]
    std::thread::sleep(std::time::Duration::from_millis(1));
}

fn main() {}
