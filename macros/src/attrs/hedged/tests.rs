//! `#[hedged]`: its expansion, and the reading of its options.

use core::time::Duration;
use expect_test::expect_file;

use proc_macro2::TokenStream;
use quote::quote;

use super::{After, Hedged, percentile, percentile_text};
use crate::attrs::{At, Attribute, Kind};
use crate::pipeline::expand;

fn pretty(args: TokenStream, item: TokenStream) -> String {
    let tokens = expand(Kind::Hedged, args, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn parse(args: TokenStream) -> syn::Result<Hedged> {
    let raw = crate::options::parse_raw(args)?;
    Hedged::parse(&At::call_site(), raw)
}

fn error(args: TokenStream) -> String {
    match parse(args) {
        Ok(_) => panic!("expected an error"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn hedged_on_a_method() {
    expect_file!["../../../../src/docs/expand/hedged.md"].assert_eq(&format!(
        "```text\n{}```\n",
        pretty(
            quote!(after = "50ms", max = 2),
            quote! {
                async fn get(&self, key: String) -> Result<Bytes, FetchError> {
                    self.client.get(&key).await
                }
            },
        )
    ));
}

/// With a percentile, the histogram is a `static` of the function, and the policy points at it.
#[test]
fn a_percentile_has_its_histogram() {
    let out = pretty(
        quote!(after = "p99.9", bounds = "5ms..2s", initial = "1s"),
        quote!(
            async fn get(key: u32) -> u32 {
                key
            }
        ),
    );
    let flat: String = out.split_whitespace().collect();
    assert!(flat.contains("static__TASKWARD_HEDGED_HISTOGRAM_0:::taskward::__private::hedged::Histogram=::taskward::__private::hedged::Histogram::new(9990u32,1000u32,"), "{out}");
    assert!(
        flat.contains(
            "::taskward::__private::hedged::After::Percentile(&__TASKWARD_HEDGED_HISTOGRAM_0,)"
        ),
        "{out}"
    );
    // Two slots: the first run and one hedge.
    assert!(flat.contains("Slot::new(::taskward::__private::hedged::Slot::new(::taskward::__private::hedged::End,),)"), "{out}");
}

#[test]
fn options_are_resolved() {
    let h = parse(quote!(after = "50ms")).unwrap();
    assert_eq!(h.after, After::Fixed(Duration::from_millis(50)));
    assert_eq!(h.max, 1);
    let h = parse(quote!(after = "p95", max = 4)).unwrap();
    assert_eq!(
        h.after,
        After::Percentile {
            quantile: 9500,
            floor: Duration::from_millis(1),
            cap: Duration::from_secs(10),
            initial: Duration::from_secs(10),
        }
    );
    assert_eq!(h.max, 4);
    assert_eq!(Hedged::warm(9500), 20);
    assert_eq!(Hedged::warm(5000), 20);
    assert_eq!(Hedged::warm(9900), 100);
    assert_eq!(Hedged::warm(9990), 1000);
}

#[test]
fn percentiles() {
    assert_eq!(percentile("50"), Some(5000));
    assert_eq!(percentile("95"), Some(9500));
    assert_eq!(percentile("99.9"), Some(9990));
    for bad in [
        "49", "100", "99.99", "9", "", ".5", "95.", "x", "095", "99.x",
    ] {
        assert_eq!(percentile(bad), None, "{bad}");
    }
    assert_eq!(percentile_text(9500), "p95");
    assert_eq!(percentile_text(9990), "p99.9");
}

#[test]
fn mistakes_are_reported() {
    assert!(error(quote!()).contains("needs `after`"));
    assert!(error(quote!(max = 2)).contains("needs `after`"));
    assert!(error(quote!(after = "0ms")).contains("would start every hedge with the first run"));
    assert!(error(quote!(after = "p100")).contains("is not a percentile"));
    assert!(error(quote!(after = "50ms", max = 0)).contains("`max = 0` would never"));
    assert!(error(quote!(after = "50ms", max = 5)).contains("`max = 5` is too many"));
    assert!(
        error(quote!(after = "50ms", bounds = "1ms..1s"))
            .contains("`bounds` applies to a percentile")
    );
    assert!(
        error(quote!(after = "50ms", initial = "1s")).contains("`initial` applies to a percentile")
    );
    assert!(error(quote!(after = "p95", initial = "20s")).contains("within `bounds`"));
    assert!(error(quote!("50ms")).contains("after = \"50ms\""));
    assert!(error(quote!(after = "50ms", after = "60ms")).contains("given twice"));
}
