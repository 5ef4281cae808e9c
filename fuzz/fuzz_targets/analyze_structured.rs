//! The whole analysis on well-formed files built from arbitrary numbers, to
//! reach the statistics rather than the parser: up to five groups, ties,
//! times of 0, empty and all-censored groups, huge and tiny values, dates
//! in several formats, decimal commas, every convention option, landmarks,
//! risk-table steps and a stratified log-rank test. Valid data must always
//! be analysed (the only refusals allowed: fewer than two groups, and dates
//! that are not dates), and every report must keep the invariants of
//! `insitu_fuzz::check_report`.

#![no_main]

use arbitrary::Arbitrary;
use insitu_core::{analyze, ErrorKind, Spec};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[derive(Debug, Arbitrary)]
enum Number {
    Missing,
    Small(u8),
    Half(u16),
    Raw(f64),
}

#[derive(Debug, Arbitrary)]
struct Date {
    year: u8,
    month: u8,
    day: u8,
}

#[derive(Debug, Arbitrary)]
struct Patient {
    group: Option<u8>,
    age: Number,
    sex: Option<u8>,
    time: Number,
    event: Option<bool>,
    start: Option<Date>,
    end: Option<Date>,
    progressed: bool,
}

#[derive(Debug, Arbitrary)]
struct Input {
    patients: Vec<Patient>,
    n_groups: u8,
    group_levels_in_spec: bool,
    semicolon_decimal_comma: bool,
    preset: u8,
    quantile_type: u8,
    wilcoxon: u8,
    km_ci: u8,
    cox_ties: u8,
    categorical_test: u8,
    continuous_test: u8,
    time_unit: u8,
    landmarks: Vec<f64>,
    risk_table_by: Option<f64>,
    stratified: bool,
    date_format: u8,
    with_dates: bool,
}

const GROUPS: [&str; 5] = ["A", "B", "C", "D", "E"];
const SEXES: [&str; 3] = ["F", "M", "X"];
const UNITS: [&str; 5] = ["days", "weeks", "months", "years", "visits"];

/// A finite value, written the way a spreadsheet would; non-finite and
/// negative times become missing or positive so that the file stays valid.
fn number(n: &Number, non_negative: bool, comma: bool) -> String {
    let x = match *n {
        Number::Missing => return "NA".to_string(),
        Number::Small(v) => f64::from(v),
        Number::Half(v) => f64::from(v) / 2.0,
        Number::Raw(x) if !x.is_finite() => return "NA".to_string(),
        Number::Raw(x) => x,
    };
    let x = if non_negative { x.abs() } else { x };
    let text = if x != 0.0 && (x.abs() >= 1e15 || x.abs() < 1e-4) {
        format!("{x:e}")
    } else {
        format!("{x}")
    };
    if comma {
        text.replace('.', ",")
    } else {
        text
    }
}

fn date(d: &Option<Date>, format: u8) -> String {
    let Some(d) = d else {
        return String::new();
    };
    let (y, m, day) = (
        1900 + u32::from(d.year),
        1 + u32::from(d.month % 12),
        1 + u32::from(d.day % 31),
    );
    match format % 4 {
        0 => format!("{y:04}-{m:02}-{day:02}"),
        1 => format!("{day:02}-{m:02}-{y:04}"),
        2 => format!("{day}/{m}/{y}"),
        _ => format!("{day:02}.{m:02}.{}", y % 100),
    }
}

fn pick<'a>(choice: u8, names: &[&'a str]) -> Option<&'a str> {
    let k = usize::from(choice) % (names.len() + 1);
    names.get(k).copied()
}

fuzz_target!(|input: Input| {
    if input.patients.is_empty() || input.patients.len() > 400 {
        return;
    }
    let k = 2 + usize::from(input.n_groups % 4);
    let comma = input.semicolon_decimal_comma;
    let sep = if comma { ";" } else { "," };
    let mut csv = [
        "arm",
        "age",
        "sex",
        "time",
        "status",
        "start",
        "end",
        "progressed",
    ]
    .join(sep);
    csv.push('\n');
    for p in &input.patients {
        let row = [
            p.group
                .map_or(String::new(), |g| GROUPS[usize::from(g) % k].to_string()),
            number(&p.age, false, comma),
            p.sex
                .map_or("NA".to_string(), |s| SEXES[usize::from(s) % 3].to_string()),
            number(&p.time, true, comma),
            p.event
                .map_or("NA".to_string(), |d| u8::from(d).to_string()),
            date(&p.start, input.date_format),
            date(&p.end, input.date_format),
            u8::from(p.progressed).to_string(),
        ];
        csv.push_str(&row.join(sep));
        csv.push('\n');
    }

    let unit = UNITS[usize::from(input.time_unit) % UNITS.len()];
    let landmarks: Vec<f64> = input
        .landmarks
        .iter()
        .take(4)
        .filter(|t| t.is_finite())
        .map(|t| t.abs())
        .collect();
    let mut os = json!({"name": "OS", "time": "time", "event": "status", "time_unit": unit});
    if !landmarks.is_empty() {
        os["landmark_times"] = json!(landmarks);
    }
    if let Some(by) = input.risk_table_by.filter(|b| b.is_finite() && *b > 0.0) {
        os["risk_table_by"] = json!(by);
    }
    if input.stratified {
        os["stratified_logrank"] = json!(["sex"]);
    }
    let mut endpoints = vec![os];
    if input.with_dates {
        // a time from dates needs a calendar unit: "visits" is refused
        // (rightly, with a spec error), so the date endpoint counts days
        let date_unit = if unit == "visits" { "days" } else { unit };
        endpoints.push(
            json!({"name": "PFS", "start_date": "start", "end_date": "end",
                              "event": "progressed", "time_unit": date_unit}),
        );
    }
    let mut group = json!({"column": "arm"});
    if input.group_levels_in_spec {
        group["levels"] = json!(GROUPS[..k]);
    }
    let mut options = json!({});
    let mut set = |key: &str, value: Option<&str>| {
        if let Some(v) = value {
            options[key] = json!(v);
        }
    };
    set("preset", pick(input.preset, &["r", "spss", "sas"]));
    set(
        "quantile_type",
        pick(input.quantile_type, &["type2", "type6", "type7"]),
    );
    set(
        "wilcoxon",
        pick(input.wilcoxon, &["r_default", "normal_cc", "normal"]),
    );
    set("km_ci", pick(input.km_ci, &["log", "log-log"]));
    set("cox_ties", pick(input.cox_ties, &["efron", "breslow"]));
    set(
        "categorical_test",
        pick(input.categorical_test, &["chisq", "yates", "fisher"]),
    );
    set(
        "continuous_test",
        pick(input.continuous_test, &["rank", "welch", "student"]),
    );
    if comma {
        options["decimal_mark"] = json!("comma");
    }
    let spec_json = json!({
        "group": group,
        "variables": [{"name": "age", "kind": "continuous"}, {"name": "sex", "kind": "categorical"}],
        "endpoints": endpoints,
        "options": options,
    });
    let spec = Spec::from_json(&spec_json.to_string(), "structured.spec.json")
        .unwrap_or_else(|e| panic!("the target built an invalid spec: {e}\n{spec_json}"));

    let groups_with_data = (0..k)
        .filter(|&g| {
            input
                .patients
                .iter()
                .any(|p| p.group.is_some_and(|x| usize::from(x) % k == g))
        })
        .count();
    match analyze(csv.as_bytes(), "structured.csv", &spec) {
        Ok(report) => {
            assert!(groups_with_data >= 2);
            assert_eq!(report.n_rows, input.patients.len());
            let with_group = input.patients.iter().filter(|p| p.group.is_some()).count();
            assert_eq!(report.groups.iter().map(|g| g.n).sum::<usize>(), with_group);
            insitu_fuzz::check_report(&report);
            insitu_fuzz::render_all(&report);
        }
        Err(e) => match e.kind() {
            ErrorKind::TooFewGroups => assert!(groups_with_data < 2, "{e}"),
            // dates: 31-02, ambiguous day/month, an end before the start
            ErrorKind::BadTime if input.with_dates => {}
            _ => panic!("valid data refused: {e}\n{csv}"),
        },
    }
});
