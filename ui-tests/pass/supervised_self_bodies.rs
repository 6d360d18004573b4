// Bodies of `#[supervised]` methods that use `self` in every way the language allows: the
// receiver is renamed for each run, and what is not the receiver (`self::` paths, `use a::{self}`,
// `pub(self)`, nested items with a `self` of their own, inline format arguments) keeps working.
#![deny(warnings)]

use std::fmt;

#[derive(Debug, Default)]
struct Counter {
    runs: u32,
}

struct Arr<const N: usize>;

mod helpers {
    pub fn double(x: u32) -> u32 {
        x * 2
    }
}

impl Counter {
    // The two lints are about this body as written (braces in `Arr<{ 2 }>`, an `impl` in a
    // function), not about the expansion.
    #[allow(unused_braces, non_local_definitions)]
    #[taskward::supervised(backoff = "1ms..2ms")]
    async fn nested_items(&mut self) -> Result<String, taskward::Error> {
        use std::fmt::{self, Write};
        pub(self) fn helper(x: u32) -> u32 {
            self::helpers::double(x)
        }
        impl Arr<{ 2 }> {
            fn len(&self) -> usize {
                let _ = self;
                2
            }
        }
        self.runs += 1;
        let mut out = String::new();
        write!(out, "{}", helper(self.runs)).map_err(|_: fmt::Error| unreachable!())?;
        Ok(format!("{out} {}", Arr::<2>.len()))
    }

    #[taskward::supervised(backoff = "1ms..2ms")]
    async fn inline_format(&mut self) -> Result<String, taskward::Error> {
        self.runs += 1;
        Ok(format!("{self:?}"))
    }

    #[taskward::supervised(backoff = "1ms..2ms")]
    async fn shared(&self) -> Result<String, taskward::Error> {
        let describe = |c: &Self| format!("{c:?}");
        Ok(format!("{} {self:?} {{self}}", describe(self)))
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} runs", self.runs)
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut counter = Counter::default();
        assert_eq!(counter.nested_items().await.unwrap(), "2 2");
        assert_eq!(counter.inline_format().await.unwrap(), "Counter { runs: 2 }");
        assert_eq!(
            counter.shared().await.unwrap(),
            "Counter { runs: 2 } Counter { runs: 2 } {self}"
        );
        assert_eq!(counter.to_string(), "2 runs");
    });
}
