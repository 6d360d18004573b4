//! Describing a body's error for a tracing event: its Display if it has one, else its Debug, else
//! its type name (autoref specialisation: the generated code calls the method on `&&&Describe`).

/// A body's error, to be described: generated code calls `__taskward_describe` on `&&&Describe`.
pub struct Describe<'a, T>(pub &'a T);

/// What a body's error is described as.
pub enum Described<'a> {
    /// By its `Display`.
    Display(&'a dyn core::fmt::Display),
    /// By its `Debug`, when it has no `Display`.
    Debug(&'a dyn core::fmt::Debug),
    /// By its type name, when it has neither.
    Other(&'static str),
}

impl core::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Described::Display(err) => err.fmt(f),
            Described::Debug(err) => write!(f, "{err:?}"),
            Described::Other(name) => write!(f, "an error of type `{name}`"),
        }
    }
}

/// The first choice: the error's `Display` (the impl for `&&Describe`).
pub trait DescribeDisplay<'a> {
    /// Describes the error.
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T: core::fmt::Display> DescribeDisplay<'a> for &&Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Display(self.0)
    }
}

/// The second choice: the error's `Debug` (the impl for `&Describe`).
pub trait DescribeDebug<'a> {
    /// Describes the error.
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T: core::fmt::Debug> DescribeDebug<'a> for &Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Debug(self.0)
    }
}

/// The last choice: the error's type name (the impl for `Describe`).
pub trait DescribeOther<'a> {
    /// Describes the error.
    fn __taskward_describe(&self) -> Described<'a>;
}
impl<'a, T> DescribeOther<'a> for Describe<'a, T> {
    fn __taskward_describe(&self) -> Described<'a> {
        Described::Other(core::any::type_name::<T>())
    }
}
