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
        assert!(!ValueRule::Exact.sized(&DataType::Int64));
    }
}
