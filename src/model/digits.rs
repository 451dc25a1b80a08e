//! Numbers of history as people read them: a series' value, numbers read
//! side by side (a value and its band, a level before and after) with the
//! fewest digits that tell them apart, instants to the second that does,
//! spans of time behind an as-of time, and a point off a baseline that
//! held one value. Used by `history show`, the audit's reports and a run's
//! findings against main's history.

use crate::model::scale::Reading;

/// A series' value shown alone (no band beside it: a point with too
/// little history, the latest value `history ls` lists), as its reading
/// says, with the fewest digits ([`show_alone`]). With thirteen, a null
/// fraction of 1/3 read `0.3333333333333`.
pub fn show_value(reading: Reading, x: f64) -> String {
    reading.value(x, show_alone)
}

/// A number for people: 13 significant digits at most (enough to see a
/// band of 1e-12 around a value), trailing zeros dropped; scientific
/// notation when very small or large.
pub fn show_number(x: f64) -> String {
    crate::model::significant(x, MOST_DIGITS, 12, 4)
}

/// The digits a number is shown with when alone, and at most beside others.
const FEWEST_DIGITS: i32 = 4;
const MOST_DIGITS: i32 = 13;

/// `x` with `digits` significant digits, as [`show_number`] shows it.
fn to_digits(x: f64, digits: i32) -> String {
    crate::model::significant(x, digits, 12, (digits - 1).max(4) as usize)
}

/// The significant digits that numbers read side by side (a value and its
/// bounds, a mean before and after) are shown with: the fewest, from 4,
/// at which each is shown closer to itself than a tenth of its distance to
/// any other, so that `12.52 between [9.873, 15.43]` is not written to 13
/// digits, yet a value a hair outside a tight band still shows outside it,
/// and the band's two ends as far from its middle (up to 13 digits).
fn digits_apart(xs: &[f64]) -> i32 {
    (FEWEST_DIGITS..MOST_DIGITS)
        .find(|&d| {
            apart(xs, |a| {
                to_digits(a, d).parse::<f64>().unwrap_or(f64::INFINITY)
            })
        })
        .unwrap_or(MOST_DIGITS)
}

/// Whether each finite one of `xs`, as `shown`, stays closer to itself
/// than a tenth of its distance to any other.
fn apart(xs: &[f64], shown: impl Fn(f64) -> f64) -> bool {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    finite.iter().all(|&a| {
        let off = (shown(a) - a).abs();
        finite.iter().all(|&b| a == b || off <= 0.1 * (a - b).abs())
    })
}

/// Dates and instants read side by side are shown to the whole second, or
/// the millisecond or microsecond where that is what tells them apart
/// (a band's ends are no truer to the microsecond); `None` for other
/// readings, or when only the values' own precision does.
fn instants_apart(reading: Reading, xs: &[f64]) -> Option<Vec<f64>> {
    let scale = reading.instant()?;
    [1.0, 1e-3, 1e-6].into_iter().find_map(|seconds| {
        let round = |x: f64| scale.rounded(x, seconds);
        apart(xs, round).then(|| xs.iter().map(|&x| round(x)).collect())
    })
}

/// A change of level as `history show` and the audit reports word it:
/// the means before and after with the digits that tell them apart, the
/// relative change, and the p-value. A series judged against its as-of
/// times (`as_of`: the change point's, in the values' units) says how far
/// behind it the values lay before and after.
pub fn show_level_change(
    reading: Reading,
    as_of: Option<f64>,
    (before, after): (f64, f64),
    rel_change: f64,
    p_value: f64,
) -> String {
    let (word, before, after) = match as_of {
        Some(t) => ("behind the as-of time by", t - before, t - after),
        None => ("mean", before, after),
    };
    let digits = digits_apart(&[before, after]);
    let number = |x| to_digits(x, digits);
    let level = |x| match as_of {
        Some(_) => reading.span(x, number),
        None => reading.value(x, number),
    };
    format!(
        "{word} {} -> {} ({}), p = {:.3e}",
        level(before),
        level(after),
        reading.change((before, after), rel_change, number),
        p_value
    )
}

/// How far `value` lies behind the as-of time `as_of` (both in the
/// values' units, as `reading` reads them): `1.5 days`.
pub fn show_behind(reading: Reading, as_of: f64, value: f64) -> String {
    reading.span(as_of - value, show_alone)
}

/// A number shown alone (compared with nothing): the fewest digits.
pub fn show_alone(x: f64) -> String {
    to_digits(x, FEWEST_DIGITS)
}

/// A point off a baseline that held one value (to the twelve digits of
/// `stats::anomaly::flat_baseline`), whose band `[low, high]` says no more
/// than that value: the point, and how it stands to the value (`differs
/// from 600, the value of every previous run`), each with the digits that
/// tell them apart.
pub fn off_held_value(reading: Reading, value: f64, center: f64, band: (f64, f64)) -> [String; 2] {
    let [shown, held]: [String; 2] = show_values_apart(reading, &[value, center])
        .try_into()
        .expect("two numbers shown");
    let how = match (band.0.is_finite(), band.1.is_finite()) {
        (false, true) => "is above",
        (true, false) => "is below",
        _ => "differs from",
    };
    [
        shown,
        format!("{how} {held}, the value of every previous run"),
    ]
}

/// Numbers read side by side, as their reading shows them, with the digits
/// [`digits_apart`] finds for them.
pub fn show_values_apart(reading: Reading, xs: &[f64]) -> Vec<String> {
    let digits = digits_apart(xs);
    let rounded = instants_apart(reading, xs);
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let x = rounded.as_ref().map_or(x, |r| r[i]);
            reading.value(x, |v| to_digits(v, digits))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_a_tight_band_and_no_float_noise() {
        assert_eq!(show_number(0.009999999999000002), "0.009999999999");
        assert_eq!(show_number(600.0000000006), "600.0000000006");
        assert_eq!(show_number(0.2), "0.2");
        assert_eq!(show_number(150.0), "150");
        assert_eq!(show_number(1.7643790169011568e-18), "1.7644e-18");
        assert_eq!(show_number(-2.5e13), "-2.5000e13");
    }

    #[test]
    fn a_point_off_a_held_value_is_shown_with_the_digits_that_tell_them_apart() {
        // Was "43.4453679925 ... differs from 173.349358234": twelve digits
        // where four tell the two apart.
        let band = (173.349358234 - 1e-9, 173.349358234 + 1e-9);
        assert_eq!(
            off_held_value(Reading::default(), 43.4453679925, 173.349358234, band),
            [
                "43.45",
                "differs from 173.3, the value of every previous run"
            ]
        );
        // As many as it takes when the two are close.
        assert_eq!(
            off_held_value(Reading::default(), 600.0000000006, 600.0, (599.9, 600.1)),
            [
                "600.0000000006",
                "differs from 600, the value of every previous run"
            ]
        );
        assert_eq!(
            off_held_value(Reading::default(), 7.0, 3.0, (f64::NEG_INFINITY, 3.0)),
            ["7", "is above 3, the value of every previous run"]
        );
    }

    #[test]
    fn instants_side_by_side_are_shown_to_the_second_that_tells_them_apart() {
        use crate::model::scale::{Scale, TimeUnit};
        // Was "2026-11-23 18:00:00 is outside [2026-11-24 15:29:59.850586,
        // 2026-11-24 20:37:35.195384]".
        let micros = Reading::At(Scale::Datetime {
            unit: TimeUnit::Microseconds,
            zoned: false,
        });
        let at = |s: &str| {
            let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            t.and_utc().timestamp_micros() as f64
        };
        let shown = |times: [&str; 3]| show_values_apart(micros, &times.map(at));
        assert_eq!(
            shown([
                "2026-11-23 18:00:00",
                "2026-11-24 15:29:59.850586",
                "2026-11-24 20:37:35.195384"
            ]),
            [
                "2026-11-23 18:00:00",
                "2026-11-24 15:30:00",
                "2026-11-24 20:37:35"
            ]
        );
        // A value a millisecond outside a tight band still shows outside.
        let tight = [
            "2026-11-24 15:30:00.004",
            "2026-11-24 15:30:00.001",
            "2026-11-24 15:30:00.002",
        ];
        assert_eq!(shown(tight), tight);
        // Dates stay dates.
        assert_eq!(
            show_values_apart(Reading::At(Scale::Date), &[20_000.0, 20_001.5]),
            ["2024-10-04", "2024-10-05 12:00:00"]
        );
    }

    #[test]
    fn numbers_side_by_side_take_the_digits_that_tell_them_apart() {
        // Was "12.51894115387 between [9.873149169653, 15.42679557758]".
        let shown = |xs: &[f64]| show_values_apart(Reading::Number, xs);
        assert_eq!(
            shown(&[12.51894115387, 9.873149169653, 15.42679557758]),
            ["12.52", "9.873", "15.43"]
        );
        // A constant history's tight band still reads as a band, even
        // beside a value far from it.
        assert_eq!(
            shown(&[1000.0, 999.999999999, 1000.000000001]),
            ["1000", "999.999999999", "1000.000000001"]
        );
        assert_eq!(
            shown(&[250.0, 999.999999999, 1000.000000001]),
            ["250", "999.999999999", "1000.000000001"]
        );
        // Just outside a bound shows outside it.
        assert_eq!(shown(&[0.0100001, 0.01]), ["0.0100001", "0.01"]);
        assert_eq!(shown(&[600.0, 540.0]), ["600", "540"]);
        // Equal numbers need not differ; tiny ones in scientific notation.
        assert_eq!(shown(&[2.0, 2.0]), ["2", "2"]);
        assert_eq!(
            shown(&[1.23456e-7, 1.23457e-7]),
            ["1.23456e-7", "1.23457e-7"]
        );
    }
}
