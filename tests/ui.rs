//! What users see: `ui-tests/pass/*.rs` must compile (and run), `ui-tests/fail/*/*.rs` (one folder
//! per attribute, plus the stack, the function item and the duration literals) must fail to compile
//! with exactly the errors of their `.stderr`. See `ui-tests/README.md`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui-tests/pass/*.rs");
    t.compile_fail("ui-tests/fail/*/*.rs");
}
