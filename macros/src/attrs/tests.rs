//! The options each attribute declares are the ones its docs page documents.

use super::Kind;

/// The keys of the rows of the "Options" table of `page`: `| \`wait = "100ms"\` | ...` gives
/// `wait`. Positional arguments (`n`, `d`) are marked `(first)` or `(the only one...)`.
fn documented_keys(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter(|row| !row.contains("` (first)") && !row.contains("` (the only one"))
        .map(|row| {
            row.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_option_has_a_row_in_the_docs_and_every_row_is_an_option() {
    for &kind in Kind::ALL {
        let path = format!(
            "{}/../src/docs/attributes/{}.md",
            env!("CARGO_MANIFEST_DIR"),
            kind.name()
        );
        let page = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        let mut documented = documented_keys(&page);
        documented.sort();
        let mut declared: Vec<String> = kind.options().iter().map(|&o| o.to_owned()).collect();
        declared.sort();
        assert_eq!(documented, declared, "the options of #[{}]", kind.name());
    }
}

#[test]
fn every_kind_is_listed_once_and_found_by_its_name() {
    for (i, &kind) in Kind::ALL.iter().enumerate() {
        assert_eq!(Kind::from_name(kind.name()), Some(kind));
        assert!(!Kind::ALL[..i].contains(&kind));
    }
    assert_eq!(Kind::from_name("unknown"), None);
}
