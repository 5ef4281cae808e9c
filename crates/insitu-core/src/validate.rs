//! Value-by-value comparison of a report with R's reference values.
//!
//! The reference JSON (`shared/reference/expected/NAME.json`) and the
//! report JSON share key names, so the comparison is a walk of the
//! reference: every number found there is looked up at the same path in the
//! report and compared within the named tolerances of [`crate::stats::prec`]
//! (1e-9 relative; an expected exact 0 within 1e-15; 1e-6 under `cox`).
//! Keys that describe R's own run are skipped.
//!
//! A number R gives where the report has none (missing or `null`) is a
//! mismatch. A `null` in the reference where the report has a number (for
//! example Fisher's test where R's FEXACT ran out of workspace) is listed
//! separately and not counted.

use serde_json::Value;

use crate::stats::prec::{close, REL, REL_COX};

/// Reference keys that describe R's run, not a statistic.
pub const SKIPPED_KEYS: [&str; 5] = [
    "generated_by",
    "conventions",
    "summary_p",
    "r_default_control",
    "iterations",
];

/// Statistic families not implemented yet, as path patterns (`[*]` matches
/// any index). Values under them are counted as pending, never validated.
/// Empty: every family is implemented.
pub const PENDING: &[&str] = &[];

/// One value that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON path, e.g. `survival[0].km[1].table.surv[5]`.
    pub path: String,
    /// R's value.
    pub expected: f64,
    /// Insitu's value, `None` when it gives none.
    pub actual: Option<f64>,
}

/// A value Insitu computes where R gives none.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    /// JSON path.
    pub path: String,
    /// Insitu's value.
    pub actual: f64,
}

/// Outcome of comparing one report with its reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Numbers compared and found equal within tolerance.
    pub validated: usize,
    /// Numbers that differ (or that Insitu lacks).
    pub mismatches: Vec<Mismatch>,
    /// Numbers in families declared pending.
    pub pending: usize,
    /// Values computed where R's is null.
    pub extra: Vec<Extra>,
}

impl Comparison {
    /// Numbers compared (validated + mismatched).
    pub fn compared(&self) -> usize {
        self.validated + self.mismatches.len()
    }
}

/// Compares every number of `expected` with `actual`.
pub fn compare(expected: &Value, actual: &Value) -> Comparison {
    let mut out = Comparison::default();
    walk(expected, Some(actual), &mut String::new(), false, &mut out);
    out
}

fn is_pending(path: &str) -> bool {
    if PENDING.is_empty() {
        return false;
    }
    let mut pattern = String::with_capacity(path.len());
    let mut in_index = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                in_index = true;
                pattern.push_str("[*]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => pattern.push(ch),
        }
    }
    PENDING.iter().any(|p| pattern.starts_with(p))
}

fn walk(
    expected: &Value,
    actual: Option<&Value>,
    path: &mut String,
    cox: bool,
    out: &mut Comparison,
) {
    match expected {
        Value::Object(map) => {
            for (key, value) in map {
                if SKIPPED_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let child = actual.and_then(|a| a.get(key));
                walk(value, child, path, cox || key == "cox", out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (k, value) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{k}]"));
                let child = actual.and_then(|a| a.get(k));
                walk(value, child, path, cox, out);
                path.truncate(len);
            }
        }
        Value::Number(n) => {
            let Some(e) = n.as_f64() else { return };
            if is_pending(path) {
                out.pending += 1;
                return;
            }
            let a = actual.and_then(Value::as_f64);
            let tolerance = if cox { REL_COX } else { REL };
            match a {
                Some(a) if close(a, e, tolerance) => out.validated += 1,
                _ => out.mismatches.push(Mismatch {
                    path: path.clone(),
                    expected: e,
                    actual: a,
                }),
            }
        }
        Value::Null => {
            if let Some(a) = actual.and_then(Value::as_f64) {
                out.extra.push(Extra {
                    path: path.clone(),
                    actual: a,
                });
            }
        }
        Value::Bool(_) | Value::String(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_numbers_and_reports_paths() {
        let expected = json!({"a": [1.0, 2.0, {"b": 0.0}], "generated_by": {"x": 1},
                              "cox": {"coef": 1.0}, "f": null});
        let actual = json!({"a": [1.0, 2.5, {"b": 1e-16}], "cox": {"coef": 1.0000005}, "f": 0.5});
        let c = compare(&expected, &actual);
        assert_eq!(c.validated, 3);
        assert_eq!(c.mismatches.len(), 1);
        assert_eq!(c.mismatches[0].path, "a[1]");
        assert_eq!(c.mismatches[0].actual, Some(2.5));
        assert_eq!(c.extra.len(), 1);
        assert_eq!(c.extra[0].path, "f");
    }

    #[test]
    fn a_number_insitu_lacks_is_a_mismatch() {
        let c = compare(
            &json!({"p": 0.5, "q": [1, 2]}),
            &json!({"p": null, "q": [1]}),
        );
        assert_eq!(c.validated, 1);
        let paths: Vec<&str> = c.mismatches.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(paths, ["p", "q[1]"]);
    }

    #[test]
    fn a_relative_error_of_2e_9_fails_outside_cox() {
        let c = compare(&json!({"x": 1.0}), &json!({"x": 1.0 + 2e-9}));
        assert_eq!(c.mismatches.len(), 1);
    }
}
