//! The bad-input corpus: every file under `tests/corpus/` is analysed with
//! the shared spec (`spec.json`, patched per case) and must meet its
//! expectation in `tests/corpus/expected.json` — a clear error naming file,
//! line, column and value, or a correct parse whose warnings say what was
//! done — and nothing may panic.
//!
//! A case marked `known_gap` records what the issue demands where the core
//! does not deliver it yet: the runner reports it and does not fail. A case
//! marked `bug` hangs or exhausts memory; the runner skips it and an
//! `#[ignore]`d test below holds the reproducer. Both lists are printed at
//! the end of the run (`cargo test --test corpus -- --nocapture`).
//!
//! `INSITU_CORPUS_DESCRIBE=1` prints what the core does with every file
//! (outcome, message, warnings), to write a new expectation from.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use insitu_core::ingest::{read_any, Distinct, Numbers, Table};
use insitu_core::inspect::inspect_table;
use insitu_core::render::{self, SvgOptions};
use insitu_core::stats::prec::{close, REL};
use insitu_core::{analyze, analyze_table, ErrorKind, Report, Spec};
use serde_json::{Map, Value};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn read_json(name: &str) -> Value {
    let path = corpus_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// RFC 7396 JSON merge patch: objects merge key by key, `null` removes a
/// key, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        unreachable!("made an object above")
    };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The spec of a case: the shared one with the case's `spec_patch`.
fn spec_of(case: &Value) -> Spec {
    let mut spec = read_json("spec.json");
    if let Some(patch) = case.get("spec_patch") {
        merge_patch(&mut spec, patch);
    }
    Spec::from_json(&spec.to_string(), "spec.json")
        .unwrap_or_else(|e| panic!("{}: the case's spec is invalid: {e}", file_of(case)))
}

fn file_of(case: &Value) -> &str {
    case["file"]
        .as_str()
        .expect("every case names its \"file\"")
}

fn strings<'a>(case: &'a Value, key: &str) -> Vec<&'a str> {
    case.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn kind_name(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}

/// Checks one case; the problems found, if any.
fn check_case(case: &Value) -> Result<(), Vec<String>> {
    let file = file_of(case);
    let bytes =
        std::fs::read(corpus_dir().join(file)).map_err(|e| vec![format!("cannot read: {e}")])?;
    let spec = spec_of(case);
    let mut problems = Vec::new();
    let outcome = case["outcome"].as_str().unwrap_or("?");
    match (outcome, analyze(&bytes, file, &spec)) {
        ("error", Err(e)) => check_error(case, file, &e, &mut problems),
        ("ok", Ok(report)) => check_report(case, &report, &mut problems),
        ("error", Ok(report)) => problems.push(format!(
            "expected an error, but it was analysed (groups {:?}, warnings {:?})",
            group_sizes(&report),
            report.warnings
        )),
        ("ok", Err(e)) => problems.push(format!("expected a report, got {:?}: {e}", e.kind())),
        (other, _) => problems.push(format!("unknown outcome \"{other}\"")),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_error(case: &Value, file: &str, e: &insitu_core::Error, problems: &mut Vec<String>) {
    let text = e.to_string();
    if let Some(kind) = case.get("kind").and_then(Value::as_str) {
        if kind_name(e.kind()) != kind {
            problems.push(format!(
                "kind {} instead of {kind}: {text}",
                kind_name(e.kind())
            ));
        }
    }
    // every message names the file, whatever the case lists
    if !text.contains(file) {
        problems.push(format!("the message does not name the file: {text}"));
    }
    for part in strings(case, "message") {
        if !text.contains(part) {
            problems.push(format!("message lacks \"{part}\": {text}"));
        }
    }
    let location = e.location();
    if let Some(line) = case.get("line").and_then(Value::as_u64) {
        if location.line != Some(line) {
            problems.push(format!(
                "line {:?} instead of {line}: {text}",
                location.line
            ));
        }
    }
    if let Some(column) = case.get("column").and_then(Value::as_str) {
        if location.column.as_deref() != Some(column) {
            problems.push(format!(
                "column {:?} instead of {column:?}: {text}",
                location.column
            ));
        }
    }
    if let Some(value) = case.get("value").and_then(Value::as_str) {
        if location.value.as_deref() != Some(value) {
            problems.push(format!(
                "value {:?} instead of {value:?}: {text}",
                location.value
            ));
        }
    }
}

fn group_sizes(report: &Report) -> Vec<(String, usize)> {
    report
        .groups
        .iter()
        .map(|g| (g.label.clone(), g.n))
        .collect()
}

fn check_report(case: &Value, report: &Report, problems: &mut Vec<String>) {
    for part in strings(case, "warnings") {
        if !report.warnings.iter().any(|w| w.contains(part)) {
            problems.push(format!(
                "no warning contains \"{part}\": {:?}",
                report.warnings
            ));
        }
    }
    if let Some(n) = case.get("n_warnings").and_then(Value::as_u64) {
        if report.warnings.len() as u64 != n {
            problems.push(format!(
                "{} warnings instead of {n}: {:?}",
                report.warnings.len(),
                report.warnings
            ));
        }
    }
    let json = serde_json::to_value(report).expect("a report serialises");
    if let Some(Value::Object(expected)) = case.get("report") {
        for (pointer, want) in expected {
            match json.pointer(pointer) {
                None => problems.push(format!("report has no {pointer}")),
                Some(got) if !same_value(got, want) => {
                    problems.push(format!("report {pointer} = {got} instead of {want}"))
                }
                Some(_) => {}
            }
        }
    }

    // every export renders; none carries markup or a formula from the data
    let mut html = render::html_page(report);
    html.push_str(&render::word_html(&report.table1));
    html.push_str(&render::survival_summary_html(report));
    for k in 0..report.survival.len() {
        html.push_str(&render::km_svg(report, k, &SvgOptions::default()));
    }
    let csv = render::csv(&report.table1);
    let md = render::markdown(&report.table1);
    let _ = render::json(report);
    if html.contains("<script") || html.contains("<img") {
        problems.push("the HTML/SVG export carries markup from the data".to_string());
    }
    // (a tag in Markdown opens with `<` and a letter or `/`, a link with
    // `](`: the renderer escapes that `<` or `]` with a backslash)
    let unescaped_markup = md.as_bytes().windows(3).any(|w| {
        w[0] != b'\\'
            && (w[1] == b'<' && (w[2].is_ascii_alphabetic() || w[2] == b'/')
                || w[1] == b']' && w[2] == b'(')
    });
    if unescaped_markup {
        problems.push("the Markdown export carries markup from the data".to_string());
    }
    for part in strings(case, "html_contains") {
        if !html.contains(part) {
            problems.push(format!("the HTML/SVG export lacks \"{part}\""));
        }
    }
    for part in strings(case, "csv_contains") {
        if !csv.contains(part) {
            problems.push(format!("the CSV export lacks \"{part}\""));
        }
    }
    problems.extend(formula_cells(&csv));
}

/// CSV cells a spreadsheet would run as a formula: starting with `=`, `+`,
/// `-`, `@`, tab or CR — after leading spaces, which some spreadsheets trim
/// on import — and not a number.
fn formula_cells(csv: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    for record in reader.records() {
        let Ok(record) = record else {
            found.push("the CSV export does not parse".to_string());
            break;
        };
        for cell in record.iter() {
            let start = cell.trim_start_matches(' ');
            if start.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && cell.trim().parse::<f64>().is_err()
            {
                found.push(format!("formula-like CSV cell {cell:?}"));
            }
        }
    }
    found
}

/// Numbers within REL; anything else equal.
fn same_value(got: &Value, want: &Value) -> bool {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => close(g, w, REL),
        _ => got == want,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

/// What the core does with a file, for writing expectations.
fn describe(case: &Value) -> String {
    let file = file_of(case);
    let Ok(bytes) = std::fs::read(corpus_dir().join(file)) else {
        return format!("{file}: missing");
    };
    match analyze(&bytes, file, &spec_of(case)) {
        Ok(r) => format!(
            "{file}: ok, groups {:?}, warnings {:?}",
            group_sizes(&r),
            r.warnings
        ),
        Err(e) => format!(
            "{file}: error {} {:?}: {e}",
            kind_name(e.kind()),
            e.location()
        ),
    }
}

#[test]
fn every_corpus_file_meets_its_expectation() {
    let expected = read_json("expected.json");
    let cases = expected["cases"].as_array().expect("\"cases\" is a list");

    // the expectations and the folder agree
    let mut listed: Vec<&str> = cases.iter().map(file_of).collect();
    listed.sort_unstable();
    let before = listed.len();
    listed.dedup();
    assert_eq!(
        before,
        listed.len(),
        "a file is listed twice in expected.json"
    );
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !matches!(n.as_str(), "expected.json" | "spec.json" | "README.md"))
        .collect();
    on_disk.sort_unstable();
    assert_eq!(
        listed, on_disk,
        "every corpus file has one expectation and vice versa"
    );
    assert!(listed.len() >= 40, "the issue asks for at least 40 files");

    let describing = std::env::var_os("INSITU_CORPUS_DESCRIBE").is_some();
    let (mut failures, mut gaps, mut closed, mut bugs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for case in cases {
        let file = file_of(case);
        if let Some(bug) = case.get("bug").and_then(Value::as_str) {
            bugs.push(format!("{file}: {bug}"));
            continue;
        }
        if describing {
            match catch_unwind(AssertUnwindSafe(|| describe(case))) {
                Ok(text) => eprintln!("{text}"),
                Err(panic) => eprintln!("{file}: PANIC: {}", panic_message(&*panic)),
            }
        }
        let gap = case.get("known_gap").and_then(Value::as_str);
        match catch_unwind(AssertUnwindSafe(|| check_case(case))) {
            // a panic is a failure, known gap or not
            Err(panic) => failures.push(format!("{file}: PANIC: {}", panic_message(&*panic))),
            Ok(Err(problems)) => match gap {
                Some(gap) => gaps.push(format!(
                    "{file}: {gap}\n      now: {}",
                    problems.join("\n      now: ")
                )),
                None => failures.push(format!("{file}:\n    {}", problems.join("\n    "))),
            },
            Ok(Ok(())) => {
                if gap.is_some() {
                    closed.push(file.to_string());
                }
            }
        }
    }
    if !gaps.is_empty() {
        eprintln!(
            "\nknown gaps ({}), not failing:\n  {}",
            gaps.len(),
            gaps.join("\n  ")
        );
    }
    if !closed.is_empty() {
        eprintln!(
            "\nknown gaps now closed — remove \"known_gap\" from: {}",
            closed.join(", ")
        );
    }
    if !bugs.is_empty() {
        eprintln!(
            "\nskipped, core bugs (see the ignored tests):\n  {}",
            bugs.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} corpus case(s) failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// Generated inputs (too large to commit)

const SPEC: &str = r#"{
  "group": {"column": "arm"},
  "variables": [{"name": "age", "kind": "continuous"}, {"name": "sex", "kind": "categorical"}],
  "endpoints": [{"name": "OS", "time": "time", "event": "status", "time_unit": "months"}]
}"#;

fn million_rows(row: impl Fn(usize) -> &'static str) -> Vec<u8> {
    let mut csv = String::from("arm,age,sex,time,status\n");
    for i in 0..1_000_000 {
        csv.push_str(row(i));
    }
    csv.into_bytes()
}

/// 10⁶ rows that differ only in the group: every value tied, every death
/// at one time. Counts must be exact, the log-rank test must see no
/// difference, and nothing may take quadratic time.
#[test]
fn a_million_identical_rows_in_two_groups() {
    let bytes = million_rows(|i| {
        if i % 2 == 0 {
            "A,60,M,12,1\n"
        } else {
            "B,60,M,12,1\n"
        }
    });
    let spec = Spec::from_json(SPEC, "spec.json").unwrap();
    let report = analyze(&bytes, "million.csv", &spec).expect("analysed");
    assert_eq!(report.n_rows, 1_000_000);
    assert_eq!(
        group_sizes(&report),
        [("A".to_string(), 500_000), ("B".to_string(), 500_000)]
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let s = &report.survival[0];
    assert_eq!(s.km[0].events, 500_000);
    assert_eq!(s.km[0].table.surv, [0.0]);
    // one death time where everybody dies: O = E, and the hypergeometric
    // variance D(N − D)/(N − 1) is 0, so there is no χ² (R's survdiff stops
    // with "system is exactly singular")
    let logrank = s.logrank.as_ref().expect("two groups with data");
    assert!(
        logrank
            .by_group
            .iter()
            .all(|g| g.o_minus_e == 0.0 && g.variance == 0.0),
        "{logrank:?}"
    );
    assert_eq!((logrank.chisq, logrank.p), (None, None));
    let age = &report.continuous[0];
    assert_eq!(age.overall.mean, Some(60.0));
    assert_eq!(age.overall.sd, Some(0.0));
    // all values tied: the rank test has no variance, R gives NaN
    let w = age.tests.wilcoxon.as_ref().expect("two groups");
    assert!(w.ties && w.p_normal.is_none(), "{w:?}");
    assert_eq!(report.categorical[0].by_group[0].counts, [500_000]);
    let _ = render::html_page(&report);
    assert!(formula_cells(&render::csv(&report.table1)).is_empty());
}

#[test]
fn a_million_identical_rows_of_one_group_is_refused() {
    let bytes = million_rows(|_| "A,60,M,12,1\n");
    let spec = Spec::from_json(SPEC, "spec.json").unwrap();
    let e = analyze(&bytes, "million.csv", &spec).expect_err("one group");
    assert_eq!(e.kind(), ErrorKind::TooFewGroups);
    assert!(e.to_string().contains("found 1 (A)"), "{e}");
}

// ---------------------------------------------------------------------------
// Core bugs found by the corpus and the fuzzer, fixed: one regression test
// each, run with a time limit (they used to hang or exhaust memory).

/// Runs `analyze` in a thread; when it does not finish in `seconds` the
/// whole test process stops with a message (a hung analysis cannot be
/// cancelled, and these hangs also grow memory without bound).
fn analyze_within(file: &str, spec: &Spec, seconds: u64) -> insitu_core::Result<Report> {
    let bytes = std::fs::read(corpus_dir().join(file)).expect("corpus file");
    let (sender, receiver) = mpsc::channel();
    let spec = spec.clone();
    let name = file.to_string();
    std::thread::spawn(move || {
        let _ = sender.send(analyze(&bytes, &name, &spec));
    });
    match receiver.recv_timeout(Duration::from_secs(seconds)) {
        Ok(result) => result,
        Err(_) => {
            // straight to stderr: the harness's capture would be lost
            let _ = writeln!(
                std::io::stderr(),
                "{file}: analyze did not finish in {seconds} s; stopping the test process"
            );
            std::process::abort()
        }
    }
}

fn corpus_spec() -> Spec {
    Spec::from_json(&read_json("spec.json").to_string(), "spec.json").unwrap()
}

/// `analyze::nice_step` took 10^floor(log10(raw)), which underflows to 0
/// when the largest time is below about 5e-323; the risk-table step was
/// then 0 and `RiskTable::new` pushed the time 0 for ever (0·k ≤ max_time).
/// Now a step whose power of ten underflows is the raw step itself: 3e-323
/// / 5 rounds to the smallest subnormal, 5e-324 (3e-323 is 6 of them).
#[test]
fn subnormal_time_does_not_hang() {
    let report = analyze_within("time_subnormal_3e-323.csv", &corpus_spec(), 5).expect("analysed");
    let risk = &report.survival[0].risk_table;
    let smallest = f64::from_bits(1);
    assert_eq!(risk.by, smallest);
    let expected: Vec<f64> = (0..=6).map(|k| f64::from(k) * smallest).collect();
    assert_eq!(risk.times, expected);
    assert_eq!(risk.times[6], 3e-323);
    let svg = render::km_svg(&report, 0, &SvgOptions::default());
    assert_eq!(time_ticks(&svg), 7);
}

/// The time-axis tick labels of a KM figure.
fn time_ticks(svg: &str) -> usize {
    let labels = svg
        .split("class=\"tick-labels\"")
        .nth(1)
        .and_then(|g| g.split("</g>").next())
        .expect("a tick-label group");
    labels.matches("text-anchor=\"middle\"").count()
}

/// A months endpoint stepped the risk table by 12 whatever the largest
/// time, so one mistyped time asked for max_time/12 columns (and as many SVG
/// ticks): 1e7 gave 833,334 columns, 1e12 ran out of memory, 1e300 never
/// ended. Now the step widens to a multiple of 12 (12,000: 834 columns) and
/// the figure ticks every 50th column (600,000 months, 17 ticks).
#[test]
fn huge_time_gives_a_bounded_risk_table() {
    let report = analyze_within("time_1e7_months.csv", &corpus_spec(), 60).expect("analysed");
    let risk = &report.survival[0].risk_table;
    assert_eq!(risk.by, 12_000.0);
    assert_eq!(risk.times.len(), 834);
    assert_eq!(risk.times[833], 9_996_000.0);
    // the automatic step is Insitu's choice, not the user's: no warning
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let svg = render::km_svg(&report, 0, &SvgOptions::default());
    assert_eq!(time_ticks(&svg), 18);
    assert!(svg.contains(">600000</text>") && svg.contains(">10200000</text>"));

    let report = analyze_within("time_huge_1e300.csv", &corpus_spec(), 60).expect("analysed");
    let risk = &report.survival[0].risk_table;
    assert!(risk.times.len() <= insitu_core::survival::km::MAX_RISK_COLUMNS);
    // 1e300 / 12 columns asked; 12·10^296 gives 833 steps
    assert_eq!(risk.by, 1.2e297);
    assert_eq!(risk.times.len(), 834);
}

/// The spec's `risk_table_by` was only checked to be positive: a tiny step
/// asked for max_time/by columns (1e-5 over 40 months gave 4e6; 1e-9 ran
/// out of memory). Now it is widened to a multiple of itself giving at most
/// 1000 columns, and the report says so.
#[test]
fn tiny_risk_table_step_gives_a_bounded_risk_table() {
    let mut spec = corpus_spec();
    spec.endpoints[0].risk_table_by = Some(1e-5);
    let report = analyze_within("clean.csv", &spec, 60).expect("analysed");
    let risk = &report.survival[0].risk_table;
    let max_time = *report.survival[0]
        .km
        .iter()
        .map(|k| k.table.time.last().unwrap())
        .max_by(|a, b| a.total_cmp(b))
        .unwrap();
    assert_eq!(max_time, 40.0);
    assert_eq!(risk.by, 0.05);
    assert_eq!(risk.times.len(), 801);
    assert_eq!(
        report.warnings,
        [
            "OS: risk_table_by 0.00001 months would give 4000001 number-at-risk columns up to the \
          largest time (40 months); the table uses a step of 0.05 months instead (at most 1000 \
          columns)"
        ]
    );
    let svg = render::km_svg(&report, 0, &SvgOptions::default());
    // every 50th column: 0, 2.5, …, 40
    assert_eq!(time_ticks(&svg), 17);

    spec.endpoints[0].risk_table_by = Some(1e-300);
    let report = analyze_within("clean.csv", &spec, 60).expect("analysed");
    assert_eq!(report.survival[0].risk_table.by, 0.05);
    assert!(
        report.warnings[0].contains("about 4e301 number-at-risk columns"),
        "{:?}",
        report.warnings
    );

    // a step that gives 1000 columns or fewer is kept, without a warning
    spec.endpoints[0].risk_table_by = Some(0.05);
    let report = analyze_within("clean.csv", &spec, 60).expect("analysed");
    assert_eq!(report.survival[0].risk_table.by, 0.05);
    assert_eq!(report.survival[0].risk_table.times.len(), 801);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // 0.04 gives 1001 columns: one too many, so 0.08 (501 columns)
    spec.endpoints[0].risk_table_by = Some(0.04);
    let report = analyze_within("clean.csv", &spec, 60).expect("analysed");
    assert_eq!(report.survival[0].risk_table.by, 0.08);
    assert_eq!(report.survival[0].risk_table.times.len(), 501);
    assert!(
        report.warnings[0].contains("would give 1001 number-at-risk columns"),
        "{:?}",
        report.warnings
    );
}

/// A report read back from JSON may hold any risk-table step: the figure
/// stays bounded (at most 21 ticks) and does not index past a short row.
#[test]
fn figure_of_a_report_with_an_absurd_step_is_bounded() {
    let mut report = analyze_within("clean.csv", &corpus_spec(), 60).expect("analysed");
    for by in [1e-300, 5e-324, 0.0, -1.0] {
        report.survival[0].risk_table.by = by;
        report.survival[0].risk_table.times = (0..1000).map(|k| f64::from(k) * 0.04).collect();
        let svg = render::km_svg(&report, 0, &SvgOptions::default());
        assert!(
            (2..=21).contains(&time_ticks(&svg)),
            "{by}: {}",
            time_ticks(&svg)
        );
    }
}

// ---------------------------------------------------------------------------
// Export safety beyond the HTML/SVG/CSV the runner checks

/// Labels with markup (a `<script>` group, an `<img onerror>` level, a
/// spec label with `<script>`) are text in the .docx: escaped in
/// `word/document.xml`, never an element.
#[cfg(feature = "office")]
#[test]
fn script_in_labels_is_escaped_in_the_docx() {
    use std::io::Read;
    let expected = read_json("expected.json");
    let case = expected["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["file"] == "script_in_labels.csv"))
        .expect("the script_in_labels case");
    let bytes = std::fs::read(corpus_dir().join("script_in_labels.csv")).unwrap();
    let report = analyze(&bytes, "script_in_labels.csv", &spec_of(case)).expect("analysed");
    let docx = render::table1_docx(&report.table1).expect("a .docx");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a ZIP");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(2)&gt;",
        "Age &lt;script&gt;alert(3)&lt;/script&gt;",
    ] {
        assert!(xml.contains(escaped), "document.xml lacks {escaped}");
    }
    assert!(
        !xml.contains("<script") && !xml.contains("<img"),
        "markup in document.xml"
    );
}

/// The CSV export neutralises formula-like labels in every position: the
/// group header, a variable label, and indented level rows (after the
/// indent); numbers stay numbers.
#[test]
fn formula_labels_are_neutralised_in_the_csv() {
    let bytes = std::fs::read(corpus_dir().join("formula_cells.csv")).unwrap();
    let report = analyze(&bytes, "formula_cells.csv", &corpus_spec()).expect("analysed");
    let csv = render::csv(&report.table1);
    assert!(formula_cells(&csv).is_empty(), "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], ",'-B (n = 4),A (n = 4),P");
    for line in [
        "  '+1+1,0 (0),1 (25),",
        "  '-2+3,0 (0),1 (25),",
        "  '=cmd|' /C calc'!A0,0 (0),1 (25),",
        "  '@SUM(A1),0 (0),1 (25),",
        "  F,2 (50),0 (0),",
    ] {
        assert!(lines.contains(&line), "no line {line:?} in\n{csv}");
    }
}

/// The multicentre time grid: a time of 1e300 months (or an absurdly fine
/// `--grid`) used to put every far value in one saturated bin silently.
/// `insitu aggregate` refuses it, naming the endpoint, the value and the
/// step; a huge time on a normal grid is still aggregated, and the pooled
/// risk table stays within 1000 columns.
#[test]
fn aggregate_refuses_values_beyond_its_grid() {
    use insitu_core::ingest::{read_table, ReadOptions};
    use insitu_core::multicentre::{aggregate, merge, AggregateOptions, MergeOptions};
    let spec = corpus_spec();
    let read = |file: &str| {
        let bytes = std::fs::read(corpus_dir().join(file)).unwrap();
        read_table(&bytes, file, &ReadOptions::default()).expect("read")
    };
    // groups of 4: shared as they are (for a data agreement), so that the
    // times are binned at all
    let mut options = AggregateOptions::new("centre");
    options.small_cells = insitu_core::multicentre::SmallCells::Keep;
    let e = aggregate(&read("time_huge_1e300.csv"), &spec, &options).expect_err("beyond the grid");
    assert!(
        e.to_string()
            .contains("the time 1e300 of endpoint OS is more than 2^53 grid steps of 1"),
        "{e}"
    );
    let mut fine = options.clone();
    fine.time_step = 1e-300;
    let e = aggregate(&read("clean.csv"), &spec, &fine).expect_err("beyond the grid");
    assert!(
        e.to_string()
            .contains("the time 40 of endpoint OS is more than 2^53 grid steps of 1e-300"),
        "{e}"
    );

    let file = aggregate(&read("time_1e7_months.csv"), &spec, &options).expect("aggregated");
    let mut other = file.clone();
    other.centre = "other".to_string();
    let files = vec![("a.json".to_string(), file), ("b.json".to_string(), other)];
    let merged = merge(&files, &MergeOptions { by_centre: false }).expect("merged");
    let risk = &merged.report.survival[0].risk_table;
    assert_eq!(risk.by, 12_000.0);
    assert_eq!(risk.times.len(), 834);
}

/// An aggregate file whose histogram claims 10^15 values for a group of 4
/// (edited or damaged: the spec hash does not cover the counts) made
/// `merge` spread 10^15 values for the pooled quartiles and abort out of
/// memory; it is refused, naming the file, the variable and the group.
#[test]
fn merge_refuses_a_histogram_larger_than_its_group() {
    use insitu_core::ingest::{read_table, ReadOptions};
    use insitu_core::multicentre::{aggregate, merge, AggregateOptions, MergeOptions, SmallCells};
    let bytes = std::fs::read(corpus_dir().join("clean.csv")).unwrap();
    let table = read_table(&bytes, "clean.csv", &ReadOptions::default()).expect("read");
    let mut options = AggregateOptions::new("A");
    options.small_cells = SmallCells::Keep;
    let file = aggregate(&table, &corpus_spec(), &options).expect("aggregated");
    let mut other = file.clone();
    other.centre = "B".to_string();
    let mut damaged = file.clone();
    let group = damaged.continuous[0].by_group[1].group.clone();
    let histogram = damaged.continuous[0]
        .histogram
        .as_mut()
        .expect("a histogram");
    let bin = histogram
        .bins
        .iter_mut()
        .find(|b| b.counts[1] > 0)
        .expect("a bin of group 2");
    bin.counts[1] = 1_000_000_000_000_000;
    let files = vec![
        ("a.json".to_string(), damaged),
        ("b.json".to_string(), other.clone()),
    ];
    let e = merge(&files, &MergeOptions { by_centre: false }).expect_err("refused");
    let text = e.to_string();
    assert!(text.contains("a.json"), "{text}");
    assert!(
        text.contains(&format!(
            "\"age\": the histogram of group {group} counts more values than the group has (4)"
        )),
        "{text}"
    );
    // the undamaged files merge
    let files = vec![("a.json".to_string(), file), ("b.json".to_string(), other)];
    assert!(merge(&files, &MergeOptions { by_centre: false }).is_ok());
}

/// A stratified log-rank test where no patient has a stratum (every `sex`
/// missing) had no strata, hence a test of zero groups, and the report
/// indexed group 0 of it: a panic (found by `analyze_structured`). Now the
/// test is empty: nothing observed or expected in either group, no χ² or P.
#[test]
fn stratified_logrank_without_any_stratum_does_not_panic() {
    let csv = "arm,age,sex,time,status\nA,61,NA,12,1\nA,58,NA,30,0\nB,55,,40,0\nB,63,NA,18,1\n";
    let mut spec = corpus_spec();
    spec.endpoints[0].stratified_logrank = Some(vec!["sex".to_string()]);
    let report = analyze(csv.as_bytes(), "no_strata.csv", &spec).expect("analysed");
    let stratified = report.survival[0]
        .stratified_logrank
        .as_ref()
        .expect("asked for");
    assert_eq!(stratified.len(), 1);
    let test = &stratified[0];
    assert_eq!(test.n_used, Some(0));
    assert_eq!(test.by_group.len(), 2);
    assert!(test
        .by_group
        .iter()
        .all(|g| g.observed == 0.0 && g.expected == 0.0 && g.variance == 0.0));
    assert_eq!((test.chisq, test.p), (Some(0.0), None));
    // the unstratified test is unaffected
    assert!(report.survival[0]
        .logrank
        .as_ref()
        .is_some_and(|t| t.p.is_some()));
}

/// Every `<` of an SVG opens a tag: a bare one (text) makes the file
/// invalid XML, which an image viewer, Inkscape or a PNG renderer refuses.
fn bare_angle_brackets(svg: &str) -> Vec<String> {
    svg.match_indices('<')
        .filter(|(at, _)| {
            !svg[at + 1..]
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?')
        })
        .map(|(at, _)| svg[at..svg.len().min(at + 30)].to_string())
        .collect()
}

/// The figure wrote "Log-rank P <0.001" with a bare `<`: every figure with
/// P below 0.001 (colon's) was invalid XML, and the PNG export refused it
/// ("invalid name token"). Now escaped.
#[test]
fn logrank_p_below_0_001_is_escaped_in_the_figure() {
    let mut report = analyze_within("clean.csv", &corpus_spec(), 60).expect("analysed");
    let logrank = report.survival[0].logrank.as_mut().expect("two groups");
    logrank.p = Some(1e-5);
    let svg = render::km_svg(&report, 0, &SvgOptions::default());
    assert!(svg.contains(">Log-rank P &lt;0.001</text>"), "{svg}");
    assert_eq!(bare_angle_brackets(&svg), Vec::<String>::new());
    // and every corpus figure is well-formed in this respect
    for file in ["clean.csv", "script_in_labels.csv", "time_1e7_months.csv"] {
        let bytes = std::fs::read(corpus_dir().join(file)).unwrap();
        let report = analyze(&bytes, file, &corpus_spec()).expect("analysed");
        for ci_bands in [false, true] {
            let options = SvgOptions {
                ci_bands,
                ..SvgOptions::default()
            };
            let svg = render::km_svg(&report, 0, &options);
            assert_eq!(bare_angle_brackets(&svg), Vec::<String>::new(), "{file}");
        }
    }
}

/// Every cell of `compacted` is the one of `table`, read by each way in.
fn assert_same_cells(compacted: &Table, table: &Table, file: &str) {
    for (j, (a, b)) in compacted.columns().iter().zip(table.columns()).enumerate() {
        let what = format!("{file}, column {}", table.headers[j]);
        assert_eq!(a.len(), b.len(), "{what}");
        assert!(a.iter().eq(b.iter()), "{what}");
        assert!(a.iter_bytes().eq(b.iter_bytes()), "{what}");
        for i in 0..b.len() {
            assert_eq!(a.get(i), b.get(i), "{what}, row {i}");
        }
        // typed again from the coded column: the same numbers and values
        let (missing, mark) = (&table.dialect.missing_codes, table.dialect.decimal_mark);
        let numbers = Numbers::read(a, missing, mark);
        // (as printed: NaN, a missing cell, is not equal to itself)
        assert_eq!(
            format!("{numbers:?}"),
            format!("{:?}", Numbers::read(b, missing, mark)),
            "{what}"
        );
        let count = |n: &Numbers| {
            n.is_numeric()
                .then(|| n.values.iter().filter(|x| x.is_nan()).count())
        };
        assert_eq!(
            Distinct::read(a, missing, || count(&numbers)),
            Distinct::read(b, missing, || count(&numbers)),
            "{what}"
        );
    }
}

/// The app keeps a file's columns of few values as their distinct values
/// and codes once it has looked at it (`Table::compact`): every cell, the
/// first look and every analysis of each corpus file are the same — the
/// reports equal, and the errors, with the value they name.
#[test]
fn a_compacted_table_reads_and_analyses_alike() {
    let expected = read_json("expected.json");
    let cases = expected["cases"].as_array().expect("\"cases\" is a list");
    let (mut tables, mut coded) = (0, 0);
    for case in cases.iter().filter(|c| c.get("bug").is_none()) {
        let file = file_of(case);
        let bytes = std::fs::read(corpus_dir().join(file)).unwrap();
        let spec = spec_of(case);
        let Ok(table) = read_any(&bytes, file, &spec.options.read_options()) else {
            continue;
        };
        let inspection = serde_json::to_value(inspect_table(&table)).unwrap();
        // read apart (a clone would share the numbers, which then stay),
        // compacted before and after the first look, as the app does
        let mut compacted = read_any(&bytes, file, &spec.options.read_options()).unwrap();
        tables += 1;
        coded += compacted.compact();
        assert_same_cells(&compacted, &table, file);
        assert_eq!(
            serde_json::to_value(inspect_table(&compacted)).unwrap(),
            inspection,
            "{file}"
        );
        assert_eq!(compacted.compact(), 0, "{file}");
        assert_same_cells(&compacted, &table, file);
        match (
            analyze_table(&compacted, &spec),
            analyze_table(&table, &spec),
        ) {
            (Ok(a), Ok(b)) => assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::to_value(b).unwrap(),
                "{file}"
            ),
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{file}");
                assert_eq!(a.location(), b.location(), "{file}");
            }
            (a, b) => panic!("{file}: compacted {:?}, text {:?}", a.err(), b.err()),
        }
    }
    assert!(tables >= 40, "{tables} tables read");
    assert!(
        coded >= 3 * tables,
        "{coded} columns coded in {tables} tables"
    );
}
