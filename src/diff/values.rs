//! Cells as JSON for samples, and where two nested values differ.

use polars::prelude::*;
use serde_json::Value;

pub fn row_values(
    df: &DataFrame,
    names: &[String],
    row: usize,
) -> PolarsResult<Vec<(String, Value)>> {
    names
        .iter()
        .map(|n| Ok((n.clone(), to_json(&df.column(n)?.get(row)?))))
        .collect()
}

/// A cell as JSON: numbers and booleans as such, non-finite floats and every
/// other type as their text.
pub fn to_json(value: &AnyValue<'_>) -> Value {
    let float = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string()))
    };
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::Int8(v) => (*v).into(),
        AnyValue::Int16(v) => (*v).into(),
        AnyValue::Int32(v) => (*v).into(),
        AnyValue::Int64(v) => (*v).into(),
        AnyValue::UInt8(v) => (*v).into(),
        AnyValue::UInt16(v) => (*v).into(),
        AnyValue::UInt32(v) => (*v).into(),
        AnyValue::UInt64(v) => (*v).into(),
        AnyValue::Float32(v) => float(*v as f64),
        AnyValue::Float64(v) => float(*v),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::List(items) => Value::Array(items.iter().map(|v| to_json(&v)).collect()),
        AnyValue::Array(items, _) => Value::Array(items.iter().map(|v| to_json(&v)).collect()),
        AnyValue::Struct(_, _, fields) => Value::Object(
            fields
                .iter()
                .zip(value._iter_struct_av())
                .map(|(f, v)| (f.name().to_string(), to_json(&v)))
                .collect(),
        ),
        AnyValue::StructOwned(payload) => Value::Object(
            payload
                .1
                .iter()
                .zip(payload.0.iter())
                .map(|(f, v)| (f.name().to_string(), to_json(v)))
                .collect(),
        ),
        // Categoricals and enums as their text, not their quoted Display.
        other => match other.get_str() {
            Some(text) => Value::String(text.to_string()),
            None => Value::String(other.to_string()),
        },
    }
}

/// Where two nested values first differ: `address.zip`, `items[3].price`;
/// `None` for plain values, or when they do not differ.
pub fn difference_path(base: &Value, head: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, path: &mut String) -> bool {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, va) in x {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    match y.get(k) {
                        None => return true,
                        Some(vb) if walk(va, vb, path) => return true,
                        Some(_) => path.truncate(len),
                    }
                }
                if let Some(k) = y.keys().find(|k| !x.contains_key(*k)) {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    return true;
                }
                false
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    match (x.get(i), y.get(i)) {
                        (Some(va), Some(vb)) if !walk(va, vb, path) => path.truncate(len),
                        _ => return true,
                    }
                }
                false
            }
            (a, b) => a != b,
        }
    }
    if !(base.is_object() || base.is_array() || head.is_object() || head.is_array()) {
        return None;
    }
    let mut path = String::new();
    (walk(base, head, &mut path) && !path.is_empty()).then_some(path)
}
