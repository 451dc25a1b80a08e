//! "Did you mean": the known names nearest a misspelt one, for the help
//! of errors that name something unknown (a series, a metric, a column).

/// How alike a name must be to be offered as the one meant: one minus the
/// edits (a transposition is one) per character of the longer name.
/// `nul_fraction` is 0.92 of `null_fraction`, `orders.amount.p05` 0.94 of
/// `orders.amount.p50`; a table's name is far from its series
/// (`plays` is 0.42 of `plays.id.max`), as are two metrics (`p01`, `p99`).
const MEANT: f64 = 0.8;

/// The known name most like `word`, if alike enough to be the one meant:
/// [`MEANT`], or a single edit away from a word of three characters or
/// more (`keys` for `key`, `uid` for `id`, which the ratio holds apart).
pub fn meant<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = word.chars().count();
    known
        .into_iter()
        .map(|k| {
            // One distance per name: its ratio as strsim's normalised one.
            let edits = strsim::damerau_levenshtein(word, k);
            let longer = length.max(k.chars().count()).max(1);
            (1.0 - edits as f64 / longer as f64, edits, k)
        })
        .filter(|&(score, edits, _)| score >= MEANT || (length >= 3 && edits <= 1))
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.2.cmp(a.2)))
        .map(|(_, _, k)| k)
}

/// The `n` known names most like `word` by Jaro–Winkler, which weighs a
/// shared beginning (a table's name finds its series), the most alike
/// first; ties in name order, so that the answer does not depend on the
/// caller's order.
pub fn nearest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(word, k), k))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, k)| k).collect()
}

/// The help for a `--key` a file lacks: the column meant, if one is near,
/// and the file's columns (none known: the advice alone).
pub fn key_help(key: &str, columns: &[String]) -> String {
    if columns.is_empty() {
        return "check --key against the file's columns".into();
    }
    let meant = meant(key, columns.iter().map(String::as_str))
        .map_or(String::new(), |m| format!("did you mean `{m}`? "));
    format!("{meant}its columns: {}", columns.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_name_finds_the_one_meant_and_a_stranger_finds_none() {
        let metrics = ["null_count", "null_fraction", "distinct", "p50", "p99"];
        assert_eq!(meant("nul_fraction", metrics), Some("null_fraction"));
        assert_eq!(meant("distnct", metrics), Some("distinct"));
        assert_eq!(meant("row_total", metrics), None);
        assert_eq!(meant("p01", metrics), None);
        assert_eq!(meant("keys", ["name", "key", "compare"]), Some("key"));
        assert_eq!(meant("p5", ["p50", "p99"]), None);
        assert_eq!(meant("plays", ["plays.id.max", "plays.row_count"]), None);
        let series = ["orders.amount.p50", "orders.amount.p99", "orders.id.p50"];
        assert_eq!(
            meant("orders.amount.p05", series),
            Some("orders.amount.p50")
        );
    }

    #[test]
    fn the_nearest_come_first_and_ties_in_name_order() {
        let known = ["b.x", "a.x", "orders.row_count", "orders.id.max"];
        assert_eq!(
            nearest("orders", known, 2),
            ["orders.id.max", "orders.row_count"]
        );
        assert_eq!(nearest("zz", ["b", "a"], 2), ["a", "b"]);
    }
}
