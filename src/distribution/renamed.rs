//! Renamed features: a column of base that head no longer has, whose
//! values reappear in a column head added. An exact table finds a rename
//! row by row (`diff/moved.rs`); a distribution table compares samples, so
//! it finds one by the values alone: the added column holds the same
//! values as many times each (nulls and NaN among them), and they are not
//! all one value (two unrelated columns that hold one value each, say
//! all-null, would match by chance). A rename that also changed some
//! values stays a removal and an addition. Shared by both engines: each
//! says whether two columns hold the same values, this file picks the
//! renames.

use polars::prelude::*;

use crate::model::{Rename, SchemaDiff};

/// The renames among `schema`'s removed and added columns: each removed
/// column (in base's order) renamed to the first added column of the same
/// type, not already taken, for which `same(removed, added)` finds the same
/// values (`Some(rows)`, the rows of each side).
pub(crate) fn find<E>(
    schema: &SchemaDiff,
    mut same: impl FnMut(&str, &str) -> Result<Option<u64>, E>,
) -> Result<Vec<Rename>, E> {
    let mut renamed: Vec<Rename> = Vec::new();
    for removed in &schema.removed {
        for added in &schema.added {
            if added.dtype != removed.dtype || renamed.iter().any(|r| r.to == added.name) {
                continue;
            }
            if let Some(rows) = same(&removed.name, &added.name)? {
                renamed.push(Rename {
                    from: removed.name.clone(),
                    to: added.name.clone(),
                    rows,
                    held: rows,
                });
                break;
            }
        }
    }
    Ok(renamed)
}

/// Whether two columns (of one type) hold the same values as many times
/// each, and more than one value (null counted as one): `Some(rows)` then.
pub(crate) fn same_values(base: &Series, head: &Series) -> PolarsResult<Option<u64>> {
    if base.len() != head.len() || base.dtype() != head.dtype() || base.n_unique()? < 2 {
        return Ok(None);
    }
    let sorted = |s: &Series| s.sort(SortOptions::default().with_nulls_last(true));
    // Sorted, equal multisets are equal series (-0 and 0 alike, NaN with
    // NaN, as Spark's grouping takes them).
    let same = sorted(base)?.equals_missing(&sorted(head)?);
    Ok(same.then_some(base.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnType;

    fn col(name: &str, dtype: &str) -> ColumnType {
        ColumnType {
            name: name.into(),
            dtype: dtype.into(),
        }
    }

    #[test]
    fn same_values_in_another_order_are_the_same_values() {
        let b = Series::new(
            "a".into(),
            &[Some(1.0), None, Some(f64::NAN), Some(-0.0), Some(2.0)],
        );
        let h = Series::new(
            "b".into(),
            &[Some(2.0), Some(0.0), Some(f64::NAN), None, Some(1.0)],
        );
        assert_eq!(same_values(&b, &h).unwrap(), Some(5));
        // One value more of one kind, one less of another: not the same.
        let h = Series::new(
            "b".into(),
            &[Some(2.0), Some(2.0), Some(f64::NAN), None, Some(1.0)],
        );
        assert_eq!(same_values(&b, &h).unwrap(), None);
        // Different lengths.
        let h = Series::new("b".into(), &[Some(2.0), Some(0.0), Some(f64::NAN), None]);
        assert_eq!(same_values(&b, &h).unwrap(), None);
    }

    #[test]
    fn two_columns_of_one_value_each_are_no_rename() {
        let nulls = Series::new("a".into(), &[None::<f64>, None, None]);
        assert_eq!(same_values(&nulls, &nulls.clone()).unwrap(), None);
        let zeros = Series::new("a".into(), &[0i64, 0, 0]);
        assert_eq!(same_values(&zeros, &zeros.clone()).unwrap(), None);
        let text = Series::new("a".into(), &["x", "y", "x"]);
        let moved = Series::new("b".into(), &["x", "x", "y"]);
        assert_eq!(same_values(&text, &moved).unwrap(), Some(3));
    }

    #[test]
    fn each_removed_column_takes_the_first_added_one_of_its_type_with_its_values() {
        let schema = SchemaDiff {
            removed: vec![col("a", "f64"), col("b", "f64"), col("c", "str")],
            added: vec![col("x", "str"), col("y", "f64"), col("z", "f64")],
            ..Default::default()
        };
        // a's values are in y and z; b's in y only (taken by a); c's in x.
        let holds = |r: &str, a: &str| matches!((r, a), ("a", "y" | "z") | ("b", "y") | ("c", "x"));
        let mut asked = Vec::new();
        let renamed = find(&schema, |r, a| {
            asked.push(format!("{r}->{a}"));
            Ok::<_, ()>(holds(r, a).then_some(10))
        })
        .unwrap();
        let pairs: Vec<(&str, &str)> = renamed
            .iter()
            .map(|r| (r.from.as_str(), r.to.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "y"), ("c", "x")]);
        // Only columns of one type are compared, and a taken one no more.
        assert_eq!(asked, ["a->y", "b->z", "c->x"]);
    }
}
