//! What a wrapper knows of the function it wraps.

/// What a wrapper knows of the function it wraps; one `static` per annotated function.
#[derive(Debug)]
pub struct Meta {
    /// `module::path::name` of the annotated function.
    pub function: &'static str,
    /// The `function` label of its metrics, built once, so a metric's key allocates nothing.
    #[cfg(feature = "metrics")]
    pub(crate) labels: [::metrics::Label; 1],
    /// The keys of its metrics on the hot path, hashed once, at the first call.
    #[cfg(feature = "metrics")]
    pub(crate) keys: std::sync::OnceLock<crate::metrics::Keys>,
    /// The keys of its metrics with a second label (rejections, breaker transitions), built at the
    /// first such event.
    #[cfg(feature = "metrics")]
    pub(crate) labelled: std::sync::OnceLock<crate::metrics::Labelled>,
}

impl Meta {
    /// The `Meta` of the function named `function` (`module::path::name`).
    #[must_use]
    pub const fn new(function: &'static str) -> Self {
        Meta {
            function,
            #[cfg(feature = "metrics")]
            labels: [::metrics::Label::from_static_parts("function", function)],
            #[cfg(feature = "metrics")]
            keys: std::sync::OnceLock::new(),
            #[cfg(feature = "metrics")]
            labelled: std::sync::OnceLock::new(),
        }
    }
}
