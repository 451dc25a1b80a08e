//! `swimlane demo`, the README's first command, end to end.

use std::process::Command;

use serde_json::Value;

#[test]
fn demo_catches_the_planted_bugs_and_cleans_up() {
    let side = tempfile::tempdir().unwrap();
    let tmp = side.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let json = side.path().join("demo.json");
    let out = Command::new(crate::support::BIN)
        .args(["demo", "--json"])
        .arg(&json)
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::output_text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("REGRESSION"), "{stdout}");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the demo left files behind"
    );

    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let table = |name: &str| {
        r["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    let viewing = table("viewing");
    // The branch drops plays under 30 s: 196 (profile, video) pairs vanish.
    assert_eq!(viewing["rows"]["missing"], 196);
    assert_eq!(viewing["rows"]["extra"], 0);
    assert_eq!(
        viewing["swapped"],
        serde_json::json!([["country", "language"]])
    );
    let thumb = viewing["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "thumb")
        .unwrap();
    assert_eq!(thumb["samples"][0]["base"], Value::Null);
    assert_eq!(thumb["samples"][0]["head"], 0);

    let features = table("features");
    assert_eq!(features["verdict"], "regression");
    assert_eq!(features["precision"], 12);
    let feature = |name: &str| {
        features["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["column"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(feature("short_play_share")["verdict"], "regression");
    assert_eq!(feature("short_play_share")["test"], "ks");
    // log10 of seconds watched moves a little (D ≈ 0.013): under the floor.
    assert_eq!(feature("log_seconds")["verdict"], "pass");
    assert!(feature("log_seconds")["effect"].as_f64().unwrap() < 0.1);
    assert_eq!(feature("is_kids")["test"], "chi2");
    assert_eq!(feature("is_kids")["statistic"], 0.0);
    assert_eq!(feature("is_kids")["base"]["distinct"], 2);
}
