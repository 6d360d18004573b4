//! `crate = path`: the expansion names the taskward crate by the path given, for a crate that
//! reaches taskward through a re-export (or under a name its manifest does not say). A dependency
//! renamed in `Cargo.toml` (`tw = { package = "taskward", .. }`) needs nothing: the name is read
//! from the manifest.

mod deps {
    pub use taskward as tw;
}

#[deps::tw::bounded(2, crate = deps::tw)]
#[deps::tw::with_timeout("1s")]
async fn through_a_reexport(x: u32) -> u32 {
    x
}

#[tokio::test]
async fn the_given_path_is_used_and_the_stack_is_collected() {
    assert_eq!(through_a_reexport(3).await, Ok(3));
}
