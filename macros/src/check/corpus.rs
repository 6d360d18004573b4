//! The checks on a corpus of small programs written as real services are (`corpus/*.rs`): each
//! file's first lines say what it holds, `// expect: name, ..` (the findings the checks must make,
//! or `none`), for a pitfall the checks are known to miss `// missed: name, ..`, and for a finding
//! on correct code that the checks are known to make `// false alarm: name, ..` (counted against
//! precision). Every
//! function of a file is checked as if it carried `#[check]`. The test prints precision and recall
//! over the corpus and fails when a file's findings differ from what it expects.

use std::collections::BTreeMap;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use super::run;

/// The names after `// {key}:` in the first lines of `text`.
fn annotated(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .take_while(|line| line.starts_with("//"))
        .filter_map(|line| line.strip_prefix(&format!("// {key}:")))
        .flat_map(|names| names.split(','))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty() && name != "none")
        .collect()
}

/// The functions of a file (free, and in `impl` blocks) and whether each is `async`.
fn functions(file: &syn::File) -> Vec<(syn::Block, bool)> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Fn(f) => out.push(((*f.block).clone(), f.sig.asyncness.is_some())),
            syn::Item::Impl(block) => {
                for item in &block.items {
                    if let syn::ImplItem::Fn(f) = item {
                        out.push((f.block.clone(), f.sig.asyncness.is_some()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn count(names: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for name in names {
        *counts.entry(name.clone()).or_default() += 1;
    }
    counts
}

#[test]
fn precision_and_recall_on_the_corpus() {
    let dir = format!("{}/src/check/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let (mut tp, mut fp, mut missed) = (0u32, 0u32, 0u32);
    let (mut pitfalls, mut correct) = (0, 0);
    let mut wrong = Vec::new();
    let (mut functions_checked, mut spent) = (0u32, std::time::Duration::ZERO);
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let file: syn::File =
            syn::parse_file(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let expect = annotated(&text, "expect");
        let known_misses = annotated(&text, "missed");
        let false_alarms = annotated(&text, "false alarm");
        if expect.is_empty() && known_misses.is_empty() {
            correct += 1;
        } else {
            pitfalls += 1;
        }
        let mut found = Vec::new();
        for (block, is_async) in functions(&file) {
            let tokens: TokenStream = block.to_token_stream();
            let Some(TokenTree::Group(group)) = tokens.into_iter().next() else {
                panic!("{}: a body that is not a block", path.display());
            };
            let started = std::time::Instant::now();
            let outcome = run(&group, is_async, &[]);
            spent += started.elapsed();
            functions_checked += 1;
            assert!(outcome.errors.is_none(), "{}", path.display());
            found.extend(outcome.findings.iter().map(|f| f.check.name().to_owned()));
        }
        let (found, expected) = (count(&found), count(&expect));
        if found != count(&[expect.clone(), false_alarms].concat()) {
            wrong.push(format!(
                "{}: found {found:?}, expected {expected:?}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
        for (name, &n) in &found {
            let hit = n.min(expected.get(name).copied().unwrap_or(0));
            tp += u32::try_from(hit).unwrap();
            fp += u32::try_from(n - hit).unwrap();
        }
        for (name, &n) in &expected {
            missed += u32::try_from(n - n.min(found.get(name).copied().unwrap_or(0))).unwrap();
        }
        missed += u32::try_from(known_misses.len()).unwrap();
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + missed);
    println!(
        "check corpus: {pitfalls} programs with pitfalls, {correct} correct programs; {tp} findings right, {fp} false alarms, {missed} pitfalls missed; precision {precision:.2}, recall {recall:.2}"
    );
    println!(
        "check corpus: {functions_checked} functions parsed and checked in {spent:?} ({:?} each, this build's profile)",
        spent / functions_checked.max(1)
    );
    assert!(pitfalls >= 20 && correct >= 20);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
