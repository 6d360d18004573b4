//! What a wrapper knows of the function it wraps.

/// What a wrapper knows of the function it wraps; one `static` per annotated function.
#[derive(Debug)]
pub struct Meta {
    /// `module::path::name` of the annotated function.
    pub function: &'static str,
}

impl Meta {
    /// The `Meta` of the function named `function` (`module::path::name`).
    #[must_use]
    pub const fn new(function: &'static str) -> Self {
        Meta { function }
    }
}
