//! Spark's types and polars': Spark's names read as polars types (so that
//! the rules both engines obey decide on the same types), and polars types
//! written as Spark SQL (casts, and the schema CSV and NDJSON are read in).

use polars::prelude::*;

/// A Spark type name (`bigint`, `decimal(12,2)`, `array<struct<a:int>>`)
/// as the polars type the local engine reads the same data in.
pub fn polars_type(spark: &str) -> DataType {
    let t = spark.trim();
    let inner = |prefix: &str| {
        t.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix('>'))
            .map(str::trim)
    };
    if let Some(e) = inner("array<") {
        return DataType::List(Box::new(polars_type(e)));
    }
    if let Some(body) = inner("struct<") {
        let fields = split_top(body, ',')
            .into_iter()
            .filter_map(|f| {
                let (name, ty) = f.split_once(':')?;
                Some(Field::new(
                    name.trim().trim_matches('`').into(),
                    polars_type(ty),
                ))
            })
            .collect();
        return DataType::Struct(fields);
    }
    if let Some(body) = inner("map<") {
        let kv = split_top(body, ',');
        if let [k, v] = kv.as_slice() {
            return DataType::List(Box::new(DataType::Struct(vec![
                Field::new("key".into(), polars_type(k)),
                Field::new("value".into(), polars_type(v)),
            ])));
        }
    }
    if let Some(args) = t.strip_prefix("decimal(").and_then(|r| r.strip_suffix(')')) {
        let mut ps = args.split(',').map(|x| x.trim().parse::<usize>().ok());
        if let (Some(Some(p)), Some(Some(s))) = (ps.next(), ps.next()) {
            return DataType::Decimal(p, s);
        }
    }
    if t.starts_with("varchar(") || t.starts_with("char(") {
        return DataType::String;
    }
    match t {
        "boolean" => DataType::Boolean,
        "tinyint" | "byte" => DataType::Int8,
        "smallint" | "short" => DataType::Int16,
        "int" | "integer" => DataType::Int32,
        "bigint" | "long" => DataType::Int64,
        "float" | "real" => DataType::Float32,
        "double" => DataType::Float64,
        "string" => DataType::String,
        "binary" => DataType::Binary,
        "date" => DataType::Date,
        "timestamp" => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
        "timestamp_ntz" => DataType::Datetime(TimeUnit::Microseconds, None),
        "void" => DataType::Null,
        // A type polars has no counterpart of (intervals, variants): equal
        // only to itself, by name, never widened.
        _ => DataType::Unknown(UnknownKind::Any),
    }
}

/// `s` split at `sep` outside `<...>` and `(...)`.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A polars type as Spark SQL, for casts and for the schema a CSV or NDJSON
/// file is read in; `None` for a type Spark has no counterpart of.
pub fn sql_type(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 | DataType::UInt8 => "SMALLINT".into(),
        DataType::Int32 | DataType::UInt16 => "INT".into(),
        DataType::Int64 | DataType::UInt32 => "BIGINT".into(),
        DataType::UInt64 => "DECIMAL(20,0)".into(),
        DataType::Int128 | DataType::UInt128 => "DECIMAL(38,0)".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::String | DataType::Categorical(..) | DataType::Enum(..) | DataType::Null => {
            "STRING".into()
        }
        DataType::Binary => "BINARY".into(),
        DataType::Date => "DATE".into(),
        DataType::Datetime(_, None) => "TIMESTAMP_NTZ".into(),
        DataType::Datetime(_, Some(_)) => "TIMESTAMP".into(),
        DataType::Decimal(p, s) => format!("DECIMAL({p},{s})"),
        DataType::List(inner) | DataType::Array(inner, _) => {
            format!("ARRAY<{}>", sql_type(inner)?)
        }
        DataType::Struct(fields) => {
            let fields = fields
                .iter()
                .map(|f| {
                    Some(format!(
                        "`{}`: {}",
                        f.name().replace('`', "``"),
                        sql_type(f.dtype())?
                    ))
                })
                .collect::<Option<Vec<_>>>()?;
            format!("STRUCT<{}>", fields.join(", "))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_names_read_as_polars_types_and_back() {
        for (spark, polars, sql) in [
            ("bigint", DataType::Int64, "BIGINT"),
            ("int", DataType::Int32, "INT"),
            ("double", DataType::Float64, "DOUBLE"),
            ("string", DataType::String, "STRING"),
            ("date", DataType::Date, "DATE"),
            (
                "timestamp_ntz",
                DataType::Datetime(TimeUnit::Microseconds, None),
                "TIMESTAMP_NTZ",
            ),
            ("decimal(12,2)", DataType::Decimal(12, 2), "DECIMAL(12,2)"),
            (
                "array<bigint>",
                DataType::List(Box::new(DataType::Int64)),
                "ARRAY<BIGINT>",
            ),
        ] {
            assert_eq!(polars_type(spark), polars, "{spark}");
            assert_eq!(sql_type(&polars).as_deref(), Some(sql), "{spark}");
        }
        let s = polars_type("struct<a:int,b:array<string>>");
        assert_eq!(
            sql_type(&s).as_deref(),
            Some("STRUCT<`a`: INT, `b`: ARRAY<STRING>>")
        );
        assert_eq!(
            polars_type("interval day"),
            DataType::Unknown(UnknownKind::Any)
        );
    }
}
