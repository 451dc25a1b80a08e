//! What a numeric feature's numbers measure. Distribution tests see dates
//! and times as their physical numbers (days since 1970-01-01, time units
//! since 1970-01-01 UTC, lengths of time); a report shows them as dates,
//! instants and lengths of time again.

/// The unit of a timestamp's or a duration's physical number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeUnit {
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

impl TimeUnit {
    fn per_second(self) -> f64 {
        match self {
            TimeUnit::Milliseconds => 1e3,
            TimeUnit::Microseconds => 1e6,
            TimeUnit::Nanoseconds => 1e9,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TimeUnit::Milliseconds => "milliseconds",
            TimeUnit::Microseconds => "microseconds",
            TimeUnit::Nanoseconds => "nanoseconds",
        }
    }
}

/// What a feature's numbers measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Plain numbers (integers, floats, decimals).
    #[default]
    Number,
    /// Days since 1970-01-01.
    Date,
    /// Time units since 1970-01-01 00:00 (UTC when `zoned`).
    Datetime { unit: TimeUnit, zoned: bool },
    /// A length of time in units.
    Duration(TimeUnit),
    /// Nanoseconds since midnight.
    Time,
}

impl Scale {
    /// The scale of a column of type `name`, as polars (`date`,
    /// `datetime[μs, UTC]`, `duration[ms]`, `time`) or Spark (`date`,
    /// `timestamp`, `timestamp_ntz`, read as microseconds) name it.
    pub fn of_type(name: &str) -> Scale {
        let unit = |u: &str| match u {
            "ms" => TimeUnit::Milliseconds,
            "ns" => TimeUnit::Nanoseconds,
            _ => TimeUnit::Microseconds,
        };
        let inner = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(']'))
                .map(|r| r.split(", ").collect::<Vec<_>>())
        };
        match name {
            "date" => Scale::Date,
            "time" => Scale::Time,
            "timestamp" => Scale::Datetime {
                unit: TimeUnit::Microseconds,
                zoned: true,
            },
            "timestamp_ntz" => Scale::Datetime {
                unit: TimeUnit::Microseconds,
                zoned: false,
            },
            _ => {
                if let Some(parts) = inner("datetime[") {
                    Scale::Datetime {
                        unit: unit(parts[0]),
                        zoned: parts.len() > 1,
                    }
                } else if let Some(parts) = inner("duration[") {
                    Scale::Duration(unit(parts[0]))
                } else {
                    Scale::Number
                }
            }
        }
    }

    /// The scale two sides of a feature are compared in: their own when
    /// they agree, the finer unit of two timestamps or two durations,
    /// timestamps for a date and a timestamp (a date is its midnight);
    /// none for numbers against dates or times, or one kind of time
    /// against another, which no test compares.
    pub fn common(a: Scale, b: Scale) -> Option<Scale> {
        use Scale::*;
        match (a, b) {
            _ if a == b => Some(a),
            (Datetime { unit: u, zoned: z }, Datetime { unit: v, zoned: y }) if z == y => {
                Some(Datetime {
                    unit: u.max(v),
                    zoned: z,
                })
            }
            (Date, Datetime { unit, zoned }) | (Datetime { unit, zoned }, Date) => {
                Some(Datetime { unit, zoned })
            }
            (Duration(u), Duration(v)) => Some(Duration(u.max(v))),
            _ => None,
        }
    }

    /// What a number of this scale is multiplied by to read in `to` (a
    /// scale [`Scale::common`] gave for it).
    pub fn factor_to(self, to: Scale) -> f64 {
        let per_second = |s: Scale| match s {
            Scale::Date => 1.0 / 86_400.0,
            Scale::Datetime { unit, .. } | Scale::Duration(unit) => unit.per_second(),
            Scale::Time => 1e9,
            Scale::Number => 1.0,
        };
        if self == to || self == Scale::Number || to == Scale::Number {
            1.0
        } else if self == Scale::Date {
            // Days to units: exact in one multiplication.
            86_400.0 * per_second(to)
        } else {
            per_second(to) / per_second(self)
        }
    }

    /// `v` rounded to a multiple of `seconds`.
    pub fn rounded(self, v: f64, seconds: f64) -> f64 {
        let step = seconds / self.seconds().unwrap_or(1.0);
        (v / step).round() * step
    }

    /// How many seconds before the instant `as_of` (microseconds since the
    /// epoch) the value `v` lies (a date is its midnight); none for plain
    /// numbers.
    pub fn seconds_before(self, as_of: i64, v: f64) -> Option<f64> {
        Some(as_of as f64 / 1e6 - v * self.seconds()?)
    }

    /// What the numbers count, for the JSON report: none for plain numbers.
    pub fn unit(self) -> Option<String> {
        match self {
            Scale::Number => None,
            Scale::Date => Some("days since 1970-01-01".into()),
            Scale::Datetime { unit, zoned } => Some(format!(
                "{} since 1970-01-01{}",
                unit.name(),
                if zoned { " UTC" } else { "" }
            )),
            Scale::Duration(unit) => Some(unit.name().into()),
            Scale::Time => Some("nanoseconds since midnight".into()),
        }
    }

    /// Seconds in one of this scale's numbers, or none for plain numbers.
    fn seconds(self) -> Option<f64> {
        match self {
            Scale::Number => None,
            Scale::Date => Some(86_400.0),
            Scale::Datetime { unit, .. } | Scale::Duration(unit) => Some(1.0 / unit.per_second()),
            Scale::Time => Some(1e-9),
        }
    }

    /// A value (a median, a quantile, where D is attained): a date, an
    /// instant, a time of day or a length of time, to the scale's own
    /// precision (a second for dates: a median between two dates is an
    /// instant between them); `number` formats plain numbers (and anything
    /// not finite or out of range).
    pub fn value(self, v: f64, number: impl Fn(f64) -> String) -> String {
        let Some(seconds) = self.seconds().filter(|_| v.is_finite()) else {
            return number(v);
        };
        // Whole ticks: seconds for dates, the unit otherwise.
        let per_second: i64 = match self {
            Scale::Datetime { unit, .. } | Scale::Duration(unit) => unit.per_second() as i64,
            Scale::Time => 1_000_000_000,
            _ => 1,
        };
        let ticks = (v * seconds * per_second as f64).round();
        if ticks.abs() >= 9.0e18 {
            return number(v);
        }
        let ticks = ticks as i64;
        let (whole, part) = (ticks.div_euclid(per_second), ticks.rem_euclid(per_second));
        let nanos = (part * (1_000_000_000 / per_second)) as u32;
        let fraction = if nanos == 0 {
            String::new()
        } else {
            format!(".{nanos:09}").trim_end_matches('0').to_string()
        };
        match self {
            Scale::Duration(_) => span_text(v * seconds),
            Scale::Time => {
                let day = whole.rem_euclid(86_400);
                format!(
                    "{:02}:{:02}:{:02}{fraction}",
                    day / 3600,
                    day / 60 % 60,
                    day % 60
                )
            }
            _ => match chrono::DateTime::from_timestamp(whole, nanos) {
                None => number(v),
                Some(t) if self == Scale::Date && whole % 86_400 == 0 => {
                    t.format("%Y-%m-%d").to_string()
                }
                Some(t) => {
                    let zone = match self {
                        Scale::Datetime { zoned: true, .. } => " UTC",
                        _ => "",
                    };
                    format!("{}{fraction}{zone}", t.format("%Y-%m-%d %H:%M:%S"))
                }
            },
        }
    }

    /// A difference or a spread (|Δ|, a standard deviation): a length of
    /// time for dates and times, `number` for plain numbers.
    pub fn span(self, v: f64, number: impl Fn(f64) -> String) -> String {
        match self.seconds().filter(|_| v.is_finite()) {
            Some(seconds) => span_text(v * seconds),
            None => number(v),
        }
    }
}

/// How the numbers of a recorded series read: a date or time column's
/// `min`, `max`, `mean` and quantiles as dates, instants or lengths of
/// time (`At`), its `std` as a length of time (`Span`), everything else
/// (counts, fractions, any plain number column's metrics) as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reading {
    #[default]
    Number,
    At(Scale),
    Span(Scale),
}

impl Reading {
    /// The reading of metric `metric` of a column of type `dtype` (as
    /// [`Scale::of_type`] takes it; none for a table's own metrics).
    pub fn of(metric: &str, dtype: Option<&str>) -> Reading {
        let scale = dtype.map_or(Scale::Number, Scale::of_type);
        match metric {
            _ if scale == Scale::Number => Reading::Number,
            "min" | "max" | "mean" | "p01" | "p50" | "p99" => Reading::At(scale),
            "std" => Reading::Span(scale),
            _ => Reading::Number,
        }
    }

    /// The scale of a series whose values are dates or instants (a date
    /// or time column's `min`, `max`, `mean`, quantiles); none for any
    /// other (plain numbers, spreads, times of day, lengths of time).
    pub fn instant(self) -> Option<Scale> {
        match self {
            Reading::At(s @ (Scale::Date | Scale::Datetime { .. })) => Some(s),
            _ => None,
        }
    }

    /// One of the series' values; `number` formats plain numbers.
    pub fn value(self, v: f64, number: impl Fn(f64) -> String) -> String {
        match self {
            Reading::Number => number(v),
            Reading::At(s) => s.value(v, number),
            Reading::Span(s) => s.span(v, number),
        }
    }

    /// A difference of two of its values (a band's spread, a change).
    pub fn span(self, v: f64, number: impl Fn(f64) -> String) -> String {
        match self {
            Reading::Number => number(v),
            Reading::At(s) | Reading::Span(s) => s.span(v, number),
        }
    }

    /// A change of level from `before` to `after` (`rel`, its relative
    /// size): by how much time for dates and instants (a percentage of days
    /// since 1970 says nothing), in percent otherwise.
    pub fn change(
        self,
        (before, after): (f64, f64),
        rel: f64,
        number: impl Fn(f64) -> String,
    ) -> String {
        match self {
            Reading::At(s) => {
                let text = s.span(after - before, number);
                if after > before {
                    format!("+{text}")
                } else {
                    text
                }
            }
            _ => format!("{:+.1}%", 100.0 * rel),
        }
    }

    /// What the numbers count, for JSON: none for plain numbers.
    pub fn unit(self) -> Option<String> {
        match self {
            Reading::Number => None,
            Reading::At(s) => s.unit(),
            Reading::Span(s) => match s {
                // A spread of dates is a number of days, of instants one
                // of their unit.
                Scale::Date => Some("days".into()),
                Scale::Datetime { unit, .. } | Scale::Duration(unit) => Some(unit.name().into()),
                Scale::Time => Some("nanoseconds".into()),
                Scale::Number => None,
            },
        }
    }
}

/// A length of time in the largest unit it fills, to four significant
/// digits: `20 days`, `12.5 h`, `30 min`, `1.5 s`, `250 ms`, `3 µs`.
fn span_text(seconds: f64) -> String {
    const UNITS: [(f64, &str, &str); 7] = [
        (86_400.0, "day", "days"),
        (3_600.0, "h", "h"),
        (60.0, "min", "min"),
        (1.0, "s", "s"),
        (1e-3, "ms", "ms"),
        (1e-6, "µs", "µs"),
        (1e-9, "ns", "ns"),
    ];
    let size = seconds.abs();
    if size == 0.0 {
        // No length at all: in the everyday unit, not the finest.
        return "0 s".into();
    }
    let (per, one, many) = UNITS
        .iter()
        .copied()
        .find(|(per, ..)| size >= *per)
        .unwrap_or(UNITS[UNITS.len() - 1]);
    let n = seconds / per;
    let digits = (3 - n.abs().log10().floor().max(0.0) as i32).max(0) as usize;
    let text = format!("{n:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    let name = if text == "1" || text == "-1" {
        one
    } else {
        many
    };
    format!("{text} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: f64) -> String {
        format!("{v}")
    }

    #[test]
    fn type_names_of_both_engines_give_their_scales() {
        let us = TimeUnit::Microseconds;
        assert_eq!(Scale::of_type("date"), Scale::Date);
        assert_eq!(
            Scale::of_type("datetime[ns]"),
            Scale::Datetime {
                unit: TimeUnit::Nanoseconds,
                zoned: false
            }
        );
        assert_eq!(
            Scale::of_type("datetime[μs, Europe/Paris]"),
            Scale::Datetime {
                unit: us,
                zoned: true
            }
        );
        assert_eq!(
            Scale::of_type("duration[ms]"),
            Scale::Duration(TimeUnit::Milliseconds)
        );
        assert_eq!(Scale::of_type("time"), Scale::Time);
        assert_eq!(
            Scale::of_type("timestamp_ntz"),
            Scale::Datetime {
                unit: us,
                zoned: false
            }
        );
        for number in ["f64", "i32", "decimal[10,2]", "bigint", "double"] {
            assert_eq!(Scale::of_type(number), Scale::Number, "{number}");
        }
    }

    #[test]
    fn sides_in_other_units_meet_in_the_finer_one() {
        let dt = |unit| Scale::Datetime { unit, zoned: false };
        let (ms, ns) = (TimeUnit::Milliseconds, TimeUnit::Nanoseconds);
        assert_eq!(Scale::common(dt(ns), dt(ms)), Some(dt(ns)));
        assert_eq!(dt(ms).factor_to(dt(ns)), 1e6);
        assert_eq!(Scale::common(Scale::Date, dt(ms)), Some(dt(ms)));
        // 2024-01-02 is 19,724 days: its midnight in milliseconds.
        assert_eq!(
            19_724.0 * Scale::Date.factor_to(dt(ms)),
            1_704_153_600_000.0
        );
        assert_eq!(Scale::common(Scale::Number, Scale::Date), None);
        assert_eq!(Scale::common(Scale::Duration(ms), dt(ms)), None);
        let zoned = Scale::Datetime {
            unit: ms,
            zoned: true,
        };
        assert_eq!(Scale::common(zoned, dt(ms)), None);
        assert_eq!(Scale::Number.factor_to(Scale::Number), 1.0);
    }

    #[test]
    fn a_date_columns_recorded_metrics_read_as_dates_and_its_spread_as_days() {
        let at = Reading::of("p50", Some("date"));
        assert_eq!(at, Reading::At(Scale::Date));
        assert_eq!(at.value(20_485.0, plain), "2026-02-01");
        assert_eq!(at.span(7.0, plain), "7 days");
        assert_eq!(at.change((20_485.0, 20_454.0), -0.0015, plain), "-31 days");
        assert_eq!(at.change((20_454.0, 20_454.5), 2e-5, plain), "+12 h");
        assert_eq!(
            Reading::Number.change((600.0, 150.0), -0.75, plain),
            "-75.0%"
        );
        let std = Reading::of("std", Some("datetime[μs]"));
        assert_eq!(std.value(90e6, plain), "1.5 min");
        assert_eq!(std.unit().as_deref(), Some("microseconds"));
        // Counts and fractions of a date column, and a number column's
        // quantiles, stay numbers.
        assert_eq!(
            Reading::of("null_fraction", Some("date")).value(0.25, plain),
            "0.25"
        );
        assert_eq!(Reading::of("p50", Some("f64")), Reading::Number);
        assert_eq!(Reading::of("row_count", None), Reading::Number);
    }

    #[test]
    fn values_read_as_dates_instants_and_lengths_of_time() {
        let us = Scale::Datetime {
            unit: TimeUnit::Microseconds,
            zoned: false,
        };
        assert_eq!(Scale::Date.value(19_724.0, plain), "2024-01-02");
        // A median between two dates is an instant between them.
        assert_eq!(Scale::Date.value(19_724.5, plain), "2024-01-02 12:00:00");
        // Interpolated quantiles read to the scale's precision, not the
        // float's: a hundredth of a day is 864 s.
        assert_eq!(Scale::Date.value(20_020.01, plain), "2024-10-24 00:14:24");
        let p99 = 1_713_988_233_659_999.8;
        assert_eq!(us.value(p99, plain), "2024-04-24 19:50:33.66");
        assert_eq!(
            us.value(1_705_070_000_000_000.0, plain),
            "2024-01-12 14:33:20"
        );
        assert_eq!(
            us.value(1_705_070_000_250_000.0, plain),
            "2024-01-12 14:33:20.25"
        );
        let utc = Scale::Datetime {
            unit: TimeUnit::Milliseconds,
            zoned: true,
        };
        assert_eq!(utc.value(0.0, plain), "1970-01-01 00:00:00 UTC");
        assert_eq!(Scale::Time.value(52_200.5e9, plain), "14:30:00.5");
        assert_eq!(Scale::Number.value(1.5, plain), "1.5");
        assert_eq!(us.value(f64::NAN, plain), "NaN");
        // 500 hours in microseconds, 20 days, a day and a half.
        assert_eq!(us.span(1.8e12, plain), "20.83 days");
        assert_eq!(Scale::Date.span(20.0, plain), "20 days");
        assert_eq!(Scale::Date.span(1.0, plain), "1 day");
        assert_eq!(Scale::Date.span(0.5, plain), "12 h");
        assert_eq!(
            Scale::Duration(TimeUnit::Nanoseconds).span(2.5e8, plain),
            "250 ms"
        );
        assert_eq!(
            Scale::Duration(TimeUnit::Milliseconds).value(-90_000.0, plain),
            "-1.5 min"
        );
        assert_eq!(us.span(0.0, plain), "0 s");
        assert_eq!(Scale::Number.span(0.05, plain), "0.05");
    }
}
