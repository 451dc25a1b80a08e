//! When two values of a compared column are equal: the one statement of
//! the value rule, which the local engine applies to columns and the Spark
//! engine renders to SQL.

use polars::prelude::DataType;

use crate::config::{StringOptions, Tolerance};

/// How two values of one column are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRule {
    /// Null-safe equality: null = null, NaN = NaN, nothing else equal.
    Exact,
    /// Strings equal after trimming white space (Unicode, as Rust's
    /// `trim`) and/or folding case.
    Strings { trim: bool, ignore_case: bool },
    /// Dates, times, datetimes and durations within this many seconds.
    Seconds(f64),
    /// Numbers within `abs + rel * |head|`: integers in exact arithmetic,
    /// NaN never within.
    Within { abs: f64, rel: f64 },
}

impl ValueRule {
    /// The rule for a column of type `dtype` (the type both sides are
    /// compared in) with the table's `tolerance` for it and string options.
    pub fn of(dtype: &DataType, tolerance: Option<Tolerance>, strings: StringOptions) -> ValueRule {
        let t = tolerance.unwrap_or(Tolerance {
            abs: 0.0,
            rel: 0.0,
            seconds: 0.0,
        });
        if dtype == &DataType::String && (strings.trim || strings.ignore_case) {
            ValueRule::Strings {
                trim: strings.trim,
                ignore_case: strings.ignore_case,
            }
        } else if dtype.is_temporal() && t.seconds > 0.0 {
            ValueRule::Seconds(t.seconds)
        } else if dtype.is_primitive_numeric() && (t.abs > 0.0 || t.rel > 0.0) {
            ValueRule::Within {
                abs: t.abs,
                rel: t.rel,
            }
        } else {
            ValueRule::Exact
        }
    }

    /// The parts of `t` that apply to a column compared as `dtype`
    /// (`seconds` to dates, times, datetimes and durations; `abs` and `rel`
    /// to numbers), `None` when none does; and, when a part that is set
    /// does not apply, what it applies to, for a note (a tolerance that
    /// does nothing must not look applied).
    pub fn applicable(dtype: &DataType, t: Tolerance) -> (Option<Tolerance>, Option<&'static str>) {
        let seconds = if dtype.is_temporal() { t.seconds } else { 0.0 };
        let numeric = dtype.is_primitive_numeric();
        let (abs, rel) = if numeric { (t.abs, t.rel) } else { (0.0, 0.0) };
        let why = if t.seconds > 0.0 && seconds == 0.0 {
            Some("`seconds` applies to dates, times, datetimes and durations")
        } else if (t.abs > 0.0 || t.rel > 0.0) && !numeric {
            Some("`abs` and `rel` apply to numbers")
        } else {
            None
        };
        let kept = Tolerance { abs, rel, seconds };
        let any = abs > 0.0 || rel > 0.0 || seconds > 0.0;
        (any.then_some(kept), why)
    }

    /// Whether the sizes of differences are reported (largest absolute and
    /// relative): for floats, and for numbers compared within a tolerance.
    pub fn sized(&self, dtype: &DataType) -> bool {
        dtype.is_float() || matches!(self, ValueRule::Within { .. })
    }

    /// The absolute and relative tolerance, for `Within`.
    pub fn within(&self) -> Option<(f64, f64)> {
        match *self {
            ValueRule::Within { abs, rel } => Some((abs, rel)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_gets_its_rule() {
        let tol = |abs, rel, seconds| Some(Tolerance { abs, rel, seconds });
        let trim = StringOptions {
            trim: true,
            ..StringOptions::default()
        };
        let none = StringOptions::default();
        assert_eq!(
            ValueRule::of(&DataType::String, None, trim),
            ValueRule::Strings {
                trim: true,
                ignore_case: false
            }
        );
        assert_eq!(
            ValueRule::of(&DataType::String, None, none),
            ValueRule::Exact
        );
        assert_eq!(
            ValueRule::of(&DataType::Date, tol(0.0, 0.0, 2.0), none),
            ValueRule::Seconds(2.0)
        );
        assert_eq!(
            ValueRule::of(&DataType::Int64, tol(1.0, 0.0, 0.0), none),
            ValueRule::Within { abs: 1.0, rel: 0.0 }
        );
        // A seconds tolerance on a number, an abs one on a date: no effect.
        assert_eq!(
            ValueRule::of(&DataType::Int64, tol(0.0, 0.0, 2.0), none),
            ValueRule::Exact
        );
        assert_eq!(
            ValueRule::of(&DataType::Date, tol(1.0, 0.0, 0.0), none),
            ValueRule::Exact
        );
        assert!(ValueRule::Exact.sized(&DataType::Float64));
        // What a note says of them, and what the report claims applied.
        let t = Tolerance {
            abs: 0.0,
            rel: 0.0,
            seconds: 1.0,
        };
        assert_eq!(
            ValueRule::applicable(&DataType::String, t),
            (
                None,
                Some("`seconds` applies to dates, times, datetimes and durations")
            )
        );
        assert_eq!(ValueRule::applicable(&DataType::Date, t), (Some(t), None));
        let both = Tolerance { abs: 0.5, ..t };
        assert_eq!(
            ValueRule::applicable(&DataType::Float64, both),
            (
                Some(Tolerance {
                    seconds: 0.0,
                    ..both
                }),
                Some("`seconds` applies to dates, times, datetimes and durations")
            )
        );
        assert_eq!(
            ValueRule::applicable(&DataType::Boolean, both).1,
            Some("`seconds` applies to dates, times, datetimes and durations")
        );
        assert_eq!(
            ValueRule::applicable(
                &DataType::String,
                Tolerance {
                    seconds: 0.0,
                    ..both
                }
            ),
            (None, Some("`abs` and `rel` apply to numbers"))
        );
        assert!(!ValueRule::Exact.sized(&DataType::Int64));
    }
}
