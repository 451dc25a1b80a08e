//! The KS test against scipy's answers (`tests/oracles/ks_oracle.json`, a
//! copy of `../shared/oracles/ks_oracle.json`, written by scipy 1.17.1):
//! every case, every method, D within 1e-12 and p within 1e-6 relative
//! (1e-12 absolute where p is tiny), and the same effective method.

use serde_json::Value;
use swimlane::stats::ks::{Alternative, Method, ks_2samp_sorted};

fn oracle() -> Value {
    crate::support::oracle("ks_oracle.json")
}

use crate::support::number;

#[test]
fn every_case_matches_scipy() {
    let oracle = oracle();
    let cases = oracle["cases"].as_array().unwrap();
    assert!(cases.len() >= 38, "the oracle lost cases");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let alternative = match case["alternative"].as_str().unwrap() {
            "two-sided" => Alternative::TwoSided,
            "less" => Alternative::Less,
            "greater" => Alternative::Greater,
            other => panic!("{name}: unknown alternative {other}"),
        };
        let omit = case["nan_policy"] == "omit";
        let sample =
            |key: &str| -> Vec<f64> { case[key].as_array().unwrap().iter().map(number).collect() };
        let (mut x, mut y) = (sample("x"), sample("y"));
        let has_nan = x.iter().chain(&y).any(|v| v.is_nan());
        if omit {
            x.retain(|v| !v.is_nan());
            y.retain(|v| !v.is_nan());
        }
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        for (label, method) in [
            ("exact", Method::Exact),
            ("asymp", Method::Asymp),
            ("auto", Method::Auto),
        ] {
            let expected = &case["results"][label];
            let (want_d, want_p) = (number(&expected["statistic"]), number(&expected["pvalue"]));
            checked += 1;
            if has_nan && !omit {
                // nan_policy="propagate": scipy answers NaN; swimlane never
                // feeds NaN to the test (it counts them as nulls).
                assert!(want_d.is_nan() && want_p.is_nan(), "{name}/{label}");
                continue;
            }
            let got = ks_2samp_sorted(&x, &y, alternative, method, None);
            let d_ok = (want_d.is_nan() && got.statistic.is_nan())
                || (got.statistic - want_d).abs() <= 1e-12;
            let p_ok = (want_p.is_nan() && got.p_value.is_nan())
                || (got.p_value - want_p).abs() <= 1e-6 * want_p.abs()
                || (want_p < 1e-6 && (got.p_value - want_p).abs() <= 1e-12);
            let want_method = match expected["effective_method"].as_str() {
                Some("exact") => Some(Method::Exact),
                Some("asymp") => Some(Method::Asymp),
                _ => None,
            };
            let method_ok = want_method.is_none() || want_method == Some(got.method);
            if !(d_ok && p_ok && method_ok) {
                failures.push(format!(
                    "{name}/{label}: D {} (want {want_d}), p {:e} (want {want_p:e}), method {:?} (want {want_method:?})",
                    got.statistic, got.p_value, got.method
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks differ from scipy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
