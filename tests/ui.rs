//! What users see: `ui-tests/pass/*.rs` must compile (and run), `ui-tests/fail/*.rs` must fail to
//! compile with exactly the errors of their `.stderr`. See `ui-tests/README.md`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui-tests/pass/*.rs");
    t.compile_fail("ui-tests/fail/*.rs");
}
