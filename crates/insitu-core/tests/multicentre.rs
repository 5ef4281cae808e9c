//! Multicentre: every reference data set is split into pseudo-centres by row
//! order, each part is aggregated (policy keep, so that counts are exact),
//! the parts are merged, and the merged report is compared with the
//! patient-level analysis of the pooled data with times — and, for the rank
//! tests and quartile bounds, continuous values — grouped to the same grid.
//! The stratified tests are compared with R (`tests/data/multicentre_r.R`,
//! values pasted below with the R call above each). Disclosure control, the
//! audit and the refusals of `merge` have their own tests.

mod common;

use insitu_core::ingest::{read_table, ReadOptions};
use insitu_core::multicentre::{
    self, aggregate::AggregateFile, grid::Grid, AggregateOptions, MergeOptions, MergedReport,
    SmallCells,
};
use insitu_core::stats::prec::{close, REL};
use insitu_core::{analyze, ErrorKind, Report, Spec};
use serde_json::Value;

// ---- helpers ----------------------------------------------------------------

fn reference(name: &str) -> (Spec, String) {
    let dir = common::reference_dir().join("datasets");
    let text = std::fs::read_to_string(dir.join(format!("{name}.spec.json"))).unwrap();
    let spec = Spec::from_json(&text, name).unwrap();
    let csv = std::fs::read_to_string(dir.join(spec.csv.as_deref().unwrap())).unwrap();
    (spec, csv)
}

/// A CSV as rows of fields (the reference files have no quoted commas).
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn to_csv(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| r.join(",") + "\n").collect()
}

/// Row i (from 0) goes to centre i mod k, as in the R script.
fn split_by_row(csv: &str, k: usize) -> Vec<(String, String)> {
    let all = rows(csv);
    (0..k)
        .map(|c| {
            let mut part = vec![all[0].clone()];
            part.extend(
                all[1..]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % k == c)
                    .map(|(_, r)| r.clone()),
            );
            (format!("C{}", c + 1), to_csv(&part))
        })
        .collect()
}

/// One part per value of `column`, named after it.
fn split_by_column(csv: &str, column: &str) -> Vec<(String, String)> {
    let all = rows(csv);
    let j = all[0].iter().position(|h| h == column).unwrap();
    let mut names: Vec<String> = all[1..].iter().map(|r| r[j].clone()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let mut part = vec![all[0].clone()];
            part.extend(all[1..].iter().filter(|r| r[j] == name).cloned());
            (name, to_csv(&part))
        })
        .collect()
}

/// The CSV with the columns named in `grids` grouped to their grid.
fn binned(csv: &str, grids: &[(&str, Grid)]) -> String {
    let mut all = rows(csv);
    let header = all[0].clone();
    for (column, grid) in grids {
        let j = header.iter().position(|h| h == column).unwrap();
        for row in &mut all[1..] {
            if let Ok(x) = row[j].parse::<f64>() {
                row[j] = format!("{}", grid.bin(x));
            }
        }
    }
    to_csv(&all)
}

struct Options {
    policy: SmallCells,
    time_step: f64,
    bins: Vec<(&'static str, f64)>,
}

fn keep(time_step: f64) -> Options {
    Options {
        policy: SmallCells::Keep,
        time_step,
        bins: Vec::new(),
    }
}

fn aggregate_parts(
    spec: &Spec,
    parts: &[(String, String)],
    o: &Options,
) -> Vec<(String, AggregateFile)> {
    parts
        .iter()
        .map(|(centre, csv)| {
            let name = format!("{centre}.csv");
            let table = read_table(csv.as_bytes(), &name, &spec.options.read_options()).unwrap();
            let mut options = AggregateOptions::new(centre);
            options.small_cells = o.policy;
            options.time_step = o.time_step;
            options.bin_widths = o.bins.iter().map(|(v, w)| (v.to_string(), *w)).collect();
            let file = multicentre::aggregate(&table, spec, &options).unwrap();
            // every file goes through its JSON form, as between centres
            let file = AggregateFile::from_json(&file.to_json(), &name).unwrap();
            (format!("{centre}.json"), file)
        })
        .collect()
}

fn merged(files: &[(String, AggregateFile)]) -> MergedReport {
    multicentre::merge(files, &MergeOptions::default()).unwrap()
}

/// Walks two JSON values: numbers equal within `REL`, everything else equal.
fn assert_close(path: &str, actual: &Value, expected: &Value) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!(close(a, e, REL), "{path}: {a:e} vs {e:e}");
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{path}: lengths");
            for (k, (x, y)) in a.iter().zip(e).enumerate() {
                assert_close(&format!("{path}[{k}]"), x, y);
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            for (key, y) in e {
                let x = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key}: missing"));
                assert_close(&format!("{path}.{key}"), x, y);
            }
            for key in a.keys() {
                assert!(e.contains_key(key), "{path}.{key}: not expected");
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

fn json<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap()
}

fn time_grids(spec: &Spec, step: f64) -> Vec<(&str, Grid)> {
    spec.endpoints
        .iter()
        .map(|e| (e.time.as_str(), Grid::new(step).unwrap()))
        .collect()
}

fn value_grids<'a>(spec: &'a Spec, report: &Report, bins: &[(&str, f64)]) -> Vec<(&'a str, Grid)> {
    spec.variables
        .iter()
        .filter(|v| report.continuous.iter().any(|c| c.variable == v.name))
        .map(|v| {
            let w = bins.iter().find(|(n, _)| *n == v.name).map_or(1.0, |b| b.1);
            (v.name.as_str(), Grid::new(w).unwrap())
        })
        .collect()
}

/// The merged report against the patient-level analyses: `exact` of the
/// pooled CSV with times grouped, `grouped` with continuous values grouped
/// too.
fn assert_equal_to_patient_level(m: &MergedReport, spec: &Spec, csv: &str, o: &Options) {
    let timed = binned(csv, &time_grids(spec, o.time_step));
    let exact = analyze(timed.as_bytes(), "pooled.csv", spec).unwrap();
    let grouped_csv = binned(&timed, &value_grids(spec, &exact, &o.bins));
    let grouped = analyze(grouped_csv.as_bytes(), "pooled.csv", spec).unwrap();
    let r = &m.report;

    assert_eq!(r.groups, exact.groups);
    assert_eq!(r.n_rows, exact.n_rows);
    assert_eq!(r.n_missing_group, exact.n_missing_group);
    assert_close(
        "categorical",
        &json(&r.categorical),
        &json(&exact.categorical),
    );

    assert_eq!(r.continuous.len(), exact.continuous.len());
    for (a, e) in r.continuous.iter().zip(&exact.continuous) {
        let path = format!("continuous {}", a.variable);
        for (x, y) in a
            .by_group
            .iter()
            .chain([&a.overall])
            .zip(e.by_group.iter().chain([&e.overall]))
        {
            assert_eq!(
                (x.n, x.missing, x.n_nonmissing),
                (y.n, y.missing, y.n_nonmissing),
                "{path}"
            );
            assert_close(&format!("{path} mean"), &json(&x.mean), &json(&y.mean));
            assert_close(&format!("{path} sd"), &json(&x.sd), &json(&y.sd));
        }
        for (name, x, y) in [
            ("t_welch", json(&a.tests.t_welch), json(&e.tests.t_welch)),
            (
                "t_student",
                json(&a.tests.t_student),
                json(&e.tests.t_student),
            ),
            ("anova", json(&a.tests.anova), json(&e.tests.anova)),
            (
                "anova_welch",
                json(&a.tests.anova_welch),
                json(&e.tests.anova_welch),
            ),
        ] {
            assert_close(&format!("{path} {name}"), &x, &y);
        }
        assert_eq!(a.tests.groups_used, e.tests.groups_used, "{path}");
        // rank tests: those of the grouped values
        let g = grouped
            .continuous
            .iter()
            .find(|c| c.variable == a.variable)
            .unwrap();
        assert_close(
            &format!("{path} wilcoxon"),
            &json(&a.tests.wilcoxon),
            &json(&g.tests.wilcoxon),
        );
        assert_close(
            &format!("{path} kruskal"),
            &json(&a.tests.kruskal_wallis),
            &json(&g.tests.kruskal_wallis),
        );
        // quartile bounds hold the exact value; the upper bound is the
        // quartile of the grouped values
        let bounds = m
            .multicentre
            .continuous
            .iter()
            .find(|c| c.variable == a.variable)
            .unwrap();
        let summaries: Vec<_> = e.by_group.iter().chain([&e.overall]).collect();
        let grouped_summaries: Vec<_> = g.by_group.iter().chain([&g.overall]).collect();
        for q in &bounds.quartiles {
            let k = summaries.iter().position(|s| s.group == q.group).unwrap();
            let exact_q = summaries[k].quantiles.as_ref().unwrap().type7;
            let grouped_q = grouped_summaries[k].quantiles.as_ref().unwrap().type7;
            for (b, x, up) in [
                (q.q1, exact_q.q1, grouped_q.q1),
                (q.median, exact_q.median, grouped_q.median),
                (q.q3, exact_q.q3, grouped_q.q3),
            ] {
                assert!(
                    b.lower <= x && x <= b.upper,
                    "{path} {}: {x} outside {b:?}",
                    q.group
                );
                assert!(
                    close(b.upper, up, REL),
                    "{path} {}: {} vs {up}",
                    q.group,
                    b.upper
                );
                assert!(b.error_bound() <= bounds.error_bound.unwrap());
            }
        }
    }

    assert_eq!(r.survival.len(), exact.survival.len());
    for (a, e) in r.survival.iter().zip(&exact.survival) {
        let (mut a, mut e) = (json(a), json(e));
        let (sa, se) = (
            a["stratified_logrank"].take(),
            e["stratified_logrank"].take(),
        );
        assert_close(&format!("survival {}", a["endpoint"]), &a, &e);
        // the spec's stratified tests first, then the one by centre
        if let (Value::Array(sa), Value::Array(se)) = (&sa, &se) {
            for (x, y) in sa.iter().zip(se) {
                assert_close("stratified_logrank", x, y);
            }
            assert_eq!(sa.len(), se.len() + 1);
        }
    }
}

/// One R test result: (data set, variable, statistic, df, p).
type RTest = (&'static str, &'static str, f64, usize, f64);

fn r_values(name: &str) -> (Vec<&'static RTest>, Vec<&'static RTest>) {
    (
        CMH.iter().filter(|c| c.0 == name).collect(),
        VAN_ELTEREN.iter().filter(|c| c.0 == name).collect(),
    )
}

fn assert_stratified_against_r(m: &MergedReport, name: &str, step: f64) {
    let (cmh, ve) = r_values(name);
    for (_, variable, statistic, df, p) in cmh {
        let c = m
            .multicentre
            .categorical
            .iter()
            .find(|c| c.variable == *variable)
            .unwrap();
        let r = c
            .cmh
            .as_ref()
            .unwrap_or_else(|| panic!("{name} {variable}: {:?}", c.cmh_note));
        assert!(
            close(r.statistic, *statistic, REL),
            "{name} {variable}: CMH {} vs {statistic}",
            r.statistic
        );
        assert_eq!(r.df, *df, "{name} {variable}");
        assert!(close(r.p, *p, REL), "{name} {variable}: P {} vs {p}", r.p);
    }
    for (_, variable, statistic, df, p) in ve {
        let c = m
            .multicentre
            .continuous
            .iter()
            .find(|c| c.variable == *variable)
            .unwrap();
        let r = c.van_elteren.as_ref().unwrap();
        assert!(
            close(r.statistic, *statistic, REL),
            "{name} {variable}: {} vs {statistic}",
            r.statistic
        );
        assert_eq!(r.df, *df);
        assert!(close(r.p, *p, REL), "{name} {variable}: P {} vs {p}", r.p);
    }
    for (_, endpoint, r_step, chisq, df, p, observed, expected) in
        STRATIFIED_LOGRANK.iter().filter(|s| s.0 == name)
    {
        let s = m
            .multicentre
            .survival
            .iter()
            .find(|s| s.endpoint == *endpoint)
            .unwrap();
        let test = if *r_step == 0.0 {
            // exact times: in the report too
            let in_report = m
                .report
                .survival
                .iter()
                .find(|x| x.endpoint == *endpoint)
                .unwrap();
            let last = in_report
                .stratified_logrank
                .as_ref()
                .unwrap()
                .last()
                .unwrap();
            assert_eq!(last.strata_column.as_deref(), Some("centre"));
            s.stratified_by_centre.as_ref().unwrap()
        } else if *r_step == step {
            s.stratified_by_centre_grid.as_ref().unwrap()
        } else {
            continue;
        };
        let what = format!("{name} {endpoint} step {r_step}");
        assert!(
            close(test.chisq.unwrap(), *chisq, REL),
            "{what}: {:?} vs {chisq}",
            test.chisq
        );
        assert_eq!(test.df, *df, "{what}");
        assert!(close(test.p.unwrap(), *p, REL), "{what}");
        for (g, (o, e)) in test.by_group.iter().zip(observed.iter().zip(*expected)) {
            assert!(
                close(g.observed, *o, REL) && close(g.expected, *e, REL),
                "{what}: {g:?}"
            );
        }
    }
}

/// Split, aggregate (keep), merge, compare.
fn round_trip(name: &str, k: usize, o: Options) {
    let (spec, csv) = reference(name);
    let files = aggregate_parts(&spec, &split_by_row(&csv, k), &o);
    let m = merged(&files);
    assert_equal_to_patient_level(&m, &spec, &csv, &o);
    assert_stratified_against_r(&m, name, o.time_step);
}

// ---- pooled equals patient-level, stratified equals R ------------------------

#[test]
fn ovarian_in_two_centres() {
    round_trip("ovarian", 2, keep(1.0));
}

#[test]
fn veteran_in_three_centres() {
    round_trip("veteran", 3, keep(1.0));
}

#[test]
fn lung_in_four_centres() {
    round_trip("lung", 4, keep(1.0));
}

#[test]
fn lung_in_four_centres_on_a_thirty_day_grid() {
    round_trip(
        "lung",
        4,
        Options {
            policy: SmallCells::Keep,
            time_step: 30.0,
            bins: vec![("meal_cal", 50.0), ("age", 5.0)],
        },
    );
}

#[test]
fn colon_in_five_centres() {
    round_trip("colon", 5, keep(1.0));
}

#[test]
fn paper_cohort_in_six_centres() {
    round_trip(
        "paper_lfa_m1",
        6,
        Options {
            policy: SmallCells::Keep,
            time_step: 1.0,
            bins: vec![("lm_diameter_cm", 0.1), ("treatment_weeks", 0.5)],
        },
    );
}

/// The study's own centres: LFA in C1–C2, M1 in C3–C6. Each centre has one
/// group, so pooling is exact but nothing can be stratified by centre.
#[test]
fn paper_cohort_in_its_own_centres_pools_exactly_and_refuses_stratification() {
    let (spec, csv) = reference("paper_lfa_m1");
    let o = keep(1.0);
    let files = aggregate_parts(&spec, &split_by_column(&csv, "centre"), &o);
    assert_eq!(files.len(), 6);
    assert!(files
        .iter()
        .all(|(_, f)| f.groups.iter().filter(|g| g.n.unwrap_or(0) > 0).count() == 1));
    let m = merged(&files);
    let timed = binned(&csv, &time_grids(&spec, 1.0));
    let exact = analyze(timed.as_bytes(), "pooled.csv", &spec).unwrap();
    assert_close(
        "categorical",
        &json(&m.report.categorical),
        &json(&exact.categorical),
    );
    for (a, e) in m.report.survival.iter().zip(&exact.survival) {
        assert_close("km", &json(&a.km), &json(&e.km));
        assert_close("logrank", &json(&a.logrank), &json(&e.logrank));
        assert_close("cox", &json(&a.cox), &json(&e.cox));
        assert!(a.stratified_logrank.is_none());
    }
    // R: mantelhaen.test(table(sex, group, centre)) has no variance here
    // (each centre holds one group): no test, and a note saying why
    assert!(m.multicentre.categorical.iter().all(|c| c.cmh.is_none()));
    assert!(m
        .multicentre
        .continuous
        .iter()
        .all(|c| c.van_elteren.is_none()));
    assert!(m
        .multicentre
        .survival
        .iter()
        .all(|s| s.stratified_by_centre.is_none()));
    let note = &m.multicentre.notes[0];
    assert!(
        note.contains("meaningless") && note.contains("C1: LFA") && note.contains("C6: M1"),
        "{note}"
    );
    assert!(m.report.warnings.iter().any(|w| w.contains("meaningless")));
    assert!(m
        .report
        .table1
        .footnotes
        .iter()
        .any(|f| f.contains("meaningless")));
    assert!(!m
        .report
        .table1
        .columns
        .iter()
        .any(|c| c.contains("stratified")));
}

// ---- labels -----------------------------------------------------------------

#[test]
fn approximate_values_are_labelled_in_table1_and_warnings() {
    let (spec, csv) = reference("paper_lfa_m1");
    let files = aggregate_parts(&spec, &split_by_row(&csv, 3), &keep(1.0));
    let m = merged(&files);
    let t = &m.report.table1;
    // the age row shows median (i.q.r.) by the R preset: approximate
    let age = t.rows.iter().find(|r| r.label.starts_with("Age")).unwrap();
    assert!(
        age.cells[0].starts_with('≈') && age.cells[1].starts_with('≈'),
        "{age:?}"
    );
    assert!(age.p.starts_with('≈'), "{age:?}");
    // hospital stay shows mean (s.d.): exact, no mark on the cells
    let stay = t
        .rows
        .iter()
        .find(|r| r.label.starts_with("Hospital"))
        .unwrap();
    assert!(!stay.cells[0].starts_with('≈'), "{stay:?}");
    // counts are exact
    let sex = t.rows.iter().position(|r| r.label == "Sex").unwrap();
    assert!(!t.rows[sex + 1].cells[0].contains('≈'));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f.starts_with("≈ Approximate: median")));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f.contains("Pooled from 3 centres")));
    assert!(m
        .report
        .warnings
        .iter()
        .any(|w| w.starts_with("Approximate: OS: times grouped")));
    // the stratified column is there, with its footnotes
    let p = t.columns.len() - 1;
    assert_eq!(t.columns[p - 1], "P, stratified by centre");
    assert!(t.rows[sex].cells.last().unwrap().ends_with('ᵃ'));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f.starts_with("ᵃ Cochran–Mantel–Haenszel")));
    // every renderer shows the labels
    let md = insitu_core::render::markdown(t);
    assert!(md.contains('≈') && md.contains("Pooled from 3 centres"));
    let html = multicentre::html::merged_html_page(&m);
    assert!(html.contains("Multicentre summary") && html.contains("times grouped"));
}

#[test]
fn per_centre_columns_on_request() {
    let (spec, csv) = reference("paper_lfa_m1");
    let files = aggregate_parts(&spec, &split_by_column(&csv, "centre"), &keep(1.0));
    let m = multicentre::merge(&files, &MergeOptions { by_centre: true }).unwrap();
    let t = &m.report.table1;
    assert_eq!(t.columns[1], "C1: LFA (n = 58)");
    assert!(
        t.columns.iter().any(|c| c == "C6: M1 (n = 28)"),
        "{:?}",
        t.columns
    );
    assert_eq!(t.columns[7], "LFA (n = 96)");
    for row in &t.rows {
        assert_eq!(row.cells.len() + 2, t.columns.len(), "{row:?}");
    }
    // C1's sex counts, then the pooled ones
    let sex = t.rows.iter().position(|r| r.label == "Sex").unwrap();
    let male = &t.rows[sex + 1];
    assert_eq!(male.cells[6], "67 (70)");
    assert_eq!(male.cells[0], "38 (66)");
}

// ---- disclosure control -----------------------------------------------------

/// Every count of a file (outside the spec) with the key it sits under.
fn counts(value: &Value, key: &str, out: &mut Vec<(String, u64)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k != "spec" {
                    counts(v, k, out);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                counts(v, key, out);
            }
        }
        Value::Number(n) => {
            if let Some(n) = n.as_u64() {
                out.push((key.to_string(), n));
            }
        }
        _ => {}
    }
}

fn assert_no_small_cell(files: &[(String, AggregateFile)], k: u64) {
    for (name, f) in files {
        let mut all = Vec::new();
        counts(&json(f), "", &mut all);
        for (key, n) in all {
            if ["n", "counts", "events", "censored"].contains(&key.as_str()) {
                assert!(n == 0 || n >= k, "{name}: {key} = {n}");
            }
        }
        for c in multicentre::disclosure::cells(f) {
            assert!(
                c.count == 0 || c.count >= k,
                "{name}: {} = {}",
                c.what,
                c.count
            );
        }
    }
}

#[test]
fn coarsen_writes_no_cell_below_k() {
    for (name, k) in [
        ("paper_lfa_m1", 0),
        ("lung", 4),
        ("colon", 5),
        ("ovarian", 2),
    ] {
        let (spec, csv) = reference(name);
        let parts = if k == 0 {
            split_by_column(&csv, "centre")
        } else {
            split_by_row(&csv, k)
        };
        let o = Options {
            policy: SmallCells::Coarsen,
            time_step: 1.0,
            bins: Vec::new(),
        };
        let files = aggregate_parts(&spec, &parts, &o);
        assert_no_small_cell(&files, 5);
        // merging coarsened files still works, and counts add up
        let m = merged(&files);
        let exact = analyze(csv.as_bytes(), "all.csv", &spec).unwrap();
        for c in &m.report.categorical {
            let e = exact
                .categorical
                .iter()
                .find(|e| e.variable == c.variable)
                .unwrap();
            for (x, y) in c.by_group.iter().zip(&e.by_group) {
                if !m
                    .multicentre
                    .incomplete
                    .iter()
                    .any(|s| s.contains(&c.label))
                {
                    assert_eq!(x.n_nonmissing, y.n_nonmissing, "{name} {}", c.variable);
                }
            }
        }
    }
}

/// A coarse time grid after merging is said in the audit, with what would
/// keep more of it; with "keep" nothing is merged and nothing is said.
#[test]
fn the_audit_says_when_merging_leaves_a_coarse_curve() {
    let (spec, csv) = reference("paper_lfa_m1");
    let coarsened = Options {
        policy: SmallCells::Coarsen,
        time_step: 1.0,
        bins: Vec::new(),
    };
    let whole = vec![("all".to_string(), csv.clone())];
    let file = &aggregate_parts(&spec, &whole, &coarsened)[0].1;
    let os = file
        .disclosure
        .actions
        .iter()
        .find(|a| a.starts_with("OS: time bins"))
        .unwrap();
    let bins = file.survival.iter().find(|s| s.endpoint == "OS").unwrap();
    assert!(bins.merged_bins.len() < multicentre::aggregate::COARSE_CURVE_BINS);
    assert!(
        os.contains("at 4 time points only") && os.contains("small cells \"keep\""),
        "{os}"
    );
    let kept = &aggregate_parts(&spec, &whole, &keep(1.0))[0].1;
    assert!(kept
        .disclosure
        .actions
        .iter()
        .all(|a| !a.contains("time points only")));
}

#[test]
fn coarsened_levels_are_merged_for_every_centre() {
    let (spec, csv) = reference("paper_lfa_m1");
    let o = Options {
        policy: SmallCells::Coarsen,
        time_step: 1.0,
        bins: Vec::new(),
    };
    let files = aggregate_parts(&spec, &split_by_column(&csv, "centre"), &o);
    let c1 = files[0]
        .1
        .categorical
        .iter()
        .find(|c| c.variable == "cn_category")
        .unwrap();
    assert_eq!(c1.categories[0], ["cN0", "cN1"]);
    let m = merged(&files);
    let cn = m
        .report
        .categorical
        .iter()
        .find(|c| c.variable == "cn_category")
        .unwrap();
    assert_eq!(cn.levels[0], "cN0 or cN1");
    // LFA: 4 + 22 in cN0 or cN1, 52 in cN2 (the published counts)
    assert_eq!(cn.by_group[0].counts, [26, 52]);
}

#[test]
fn suppress_withholds_and_flags_the_pooled_result_incomplete() {
    let (spec, csv) = reference("paper_lfa_m1");
    let o = Options {
        policy: SmallCells::Suppress,
        time_step: 1.0,
        bins: Vec::new(),
    };
    let files = aggregate_parts(&spec, &split_by_column(&csv, "centre"), &o);
    assert_no_small_cell(&files, 5);
    let c1 = &files[0].1;
    let cn = c1
        .categorical
        .iter()
        .find(|c| c.variable == "cn_category")
        .unwrap();
    assert!(cn.withheld.is_some() && cn.by_group.is_empty());
    assert!(c1.survival.iter().all(|s| s.withheld.is_some()));
    let m = merged(&files);
    assert!(m
        .multicentre
        .incomplete
        .iter()
        .any(|s| s.starts_with("cN category: withheld by centre(s) C1")));
    assert!(m
        .report
        .table1
        .footnotes
        .iter()
        .any(|f| f.starts_with("Incomplete: cN category")));
}

#[test]
fn keep_is_stated_in_the_file_and_the_merged_report() {
    let (spec, csv) = reference("ovarian");
    let files = aggregate_parts(&spec, &split_by_row(&csv, 2), &keep(1.0));
    assert_eq!(files[0].1.disclosure.small_cells, SmallCells::Keep);
    assert!(files[0].1.disclosure.statement.contains("data agreement"));
    let m = merged(&files);
    assert!(m.report.warnings.iter().any(|w| w.contains("policy keep")));
}

#[test]
fn smallest_cell_is_never_below_three() {
    let (spec, csv) = reference("ovarian");
    let table = read_table(csv.as_bytes(), "o.csv", &ReadOptions::default()).unwrap();
    let mut options = AggregateOptions::new("C1");
    options.min_cell = 2;
    let e = multicentre::aggregate(&table, &spec, &options).unwrap_err();
    assert!(e.to_string().contains("at least 3"), "{e}");
}

/// Every number in the file appears in the audit text.
#[test]
fn audit_lists_every_number_of_the_file() {
    let (spec, csv) = reference("colon");
    let o = Options {
        policy: SmallCells::Coarsen,
        time_step: 1.0,
        bins: Vec::new(),
    };
    for (_, file) in aggregate_parts(&spec, &split_by_row(&csv, 3), &o) {
        let text = multicentre::audit(&file);
        let said: Vec<f64> = text
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
            .filter_map(|w| w.trim_end_matches('.').parse::<f64>().ok())
            .collect();
        let mut all = Vec::new();
        numbers(&json(&file), &mut all);
        for x in all {
            assert!(
                said.contains(&x),
                "{x} is not in the audit of {}",
                file.centre
            );
        }
    }
}

fn numbers(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k != "spec" {
                    numbers(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| numbers(v, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        _ => {}
    }
}

/// No identifier, date or exact time of the input is in any file.
#[test]
fn files_hold_no_identifier_date_or_exact_time() {
    let (spec, csv) = reference("paper_lfa_m1");
    // a date column the spec does not use, as clinicians' files have
    let mut all = rows(&csv);
    all[0].push("surgery_date".to_string());
    for (i, row) in all[1..].iter_mut().enumerate() {
        row.push(format!("2019-{:02}-{:02}", 1 + i % 12, 1 + i % 28));
    }
    let with_dates = to_csv(&all);
    let header = &all[0];
    let id = header.iter().position(|h| h == "patient_id").unwrap();
    let times: Vec<usize> = ["os_months", "pfs_months"]
        .iter()
        .map(|t| header.iter().position(|h| h == t).unwrap())
        .collect();
    for policy in [SmallCells::Coarsen, SmallCells::Suppress] {
        let o = Options {
            policy,
            time_step: 1.0,
            bins: Vec::new(),
        };
        for (_, file) in aggregate_parts(&spec, &split_by_column(&with_dates, "centre"), &o) {
            let text = file.to_json();
            let mut in_survival = Vec::new();
            numbers(&json(&file.survival), &mut in_survival);
            for row in &all[1..] {
                assert!(!text.contains(&row[id]), "identifier {}", row[id]);
                assert!(
                    !text.contains(&row[header.len() - 1]),
                    "date {}",
                    row[header.len() - 1]
                );
                for &j in &times {
                    let t: f64 = row[j].parse().unwrap();
                    if t.fract() != 0.0 {
                        assert!(!in_survival.contains(&t), "exact time {t}");
                    }
                }
            }
            assert!(!text.contains("\"min\"") && !text.contains("\"max\""));
        }
    }
}

// ---- refusals ---------------------------------------------------------------

#[test]
fn merge_refuses_files_of_another_spec() {
    let (spec, csv) = reference("ovarian");
    let parts = split_by_row(&csv, 2);
    let mut files = aggregate_parts(&spec, &parts[..1], &keep(1.0));
    let mut other = spec.clone();
    other.variables[0].label = Some("Age at diagnosis".to_string());
    files.extend(aggregate_parts(&other, &parts[1..], &keep(1.0)));
    let e = multicentre::merge(&files, &MergeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Spec);
    let message = e.to_string();
    assert!(
        message.contains("C2.json (centre C2) was made with another spec than C1.json"),
        "{message}"
    );
    assert!(message.contains("sha256:"), "{message}");
}

#[test]
fn merge_refuses_another_version_an_edited_spec_and_a_centre_twice() {
    let (spec, csv) = reference("ovarian");
    let files = aggregate_parts(&spec, &split_by_row(&csv, 2), &keep(1.0));
    let text = files[0].1.to_json();
    let newer = text.replacen("\"version\": 1", "\"version\": 2", 1);
    let e = AggregateFile::from_json(&newer, "new.json").unwrap_err();
    assert!(
        e.to_string().contains("version 2") && e.to_string().contains("reads version 1"),
        "{e}"
    );
    let edited = text.replacen("\"Age (years)\"", "\"Age\"", 1);
    assert_ne!(edited, text);
    let e = AggregateFile::from_json(&edited, "edited.json").unwrap_err();
    assert!(
        e.to_string().contains("does not match its spec_hash"),
        "{e}"
    );
    let e = AggregateFile::from_json("{\"format\": \"other\"}", "x.json").unwrap_err();
    assert!(
        e.to_string().contains("not an Insitu aggregate file"),
        "{e}"
    );
    let twice = vec![files[0].clone(), files[0].clone()];
    let e = multicentre::merge(&twice, &MergeOptions::default()).unwrap_err();
    assert!(e.to_string().contains("two files for centre C1"), "{e}");
}

#[test]
fn merge_refuses_different_time_grids() {
    let (spec, csv) = reference("ovarian");
    let parts = split_by_row(&csv, 2);
    let mut files = aggregate_parts(&spec, &parts[..1], &keep(1.0));
    files.extend(aggregate_parts(&spec, &parts[1..], &keep(7.0)));
    let e = multicentre::merge(&files, &MergeOptions::default()).unwrap_err();
    assert!(e.to_string().contains("time grids of OS differ"), "{e}");
}

// ---- R's values (tests/data/multicentre_r.R) ----------------------------------

// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod r {
    // (data set, variable, statistic, df, p)
    pub const CMH: &[(&str, &str, f64, usize, f64)] = &[
        // mantelhaen.test(table(resid_ds, rx, centre)) [ovarian, 2 centres]
        (
            "ovarian",
            "resid_ds",
            0.015384615384615453,
            1,
            0.90128777318003273,
        ),
        // mantelhaen.test(table(ecog_ps, rx, centre)) [ovarian, 2 centres]
        ("ovarian", "ecog_ps", 0.0, 1, 1.0),
        // mantelhaen.test(table(celltype, trt, centre)) [veteran, 3 centres]
        (
            "veteran",
            "celltype",
            6.883244695432861,
            3,
            0.075713748697473465,
        ),
        // mantelhaen.test(table(prior_therapy, trt, centre)) [veteran, 3 centres]
        (
            "veteran",
            "prior_therapy",
            0.016508056481258856,
            1,
            0.89776621124885903,
        ),
        // mantelhaen.test(table(ph_ecog, sex, centre)) [lung, 4 centres]
        (
            "lung",
            "ph_ecog",
            1.3970546277710905,
            3,
            0.70622528790731631,
        ),
        // mantelhaen.test(table(sex, rx, centre)) [colon, 5 centres]
        ("colon", "sex", 7.2024406774984486, 2, 0.027290398587351425),
        // mantelhaen.test(table(obstruct, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "obstruct",
            0.90082587027569683,
            2,
            0.63736490690832404,
        ),
        // mantelhaen.test(table(perfor, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "perfor",
            0.14807492066800157,
            2,
            0.92863690614104233,
        ),
        // mantelhaen.test(table(adhere, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "adhere",
            1.4225230398865132,
            2,
            0.49102436954572126,
        ),
        // mantelhaen.test(table(node4, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "node4",
            0.51887908919982784,
            2,
            0.77148384694880656,
        ),
        // mantelhaen.test(table(differ, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "differ",
            3.5051619313906963,
            4,
            0.47709389567653177,
        ),
        // mantelhaen.test(table(extent, rx, centre)) [colon, 5 centres]
        (
            "colon",
            "extent",
            7.8917828357204449,
            6,
            0.24613929526845818,
        ),
        // mantelhaen.test(table(surg, rx, centre)) [colon, 5 centres]
        ("colon", "surg", 1.1246178644658635, 2, 0.56989170226412045),
        // mantelhaen.test(table(sex, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "sex",
            0.00040525298920716604,
            1,
            0.98393895338558923,
        ),
        // mantelhaen.test(table(comorbidity, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "comorbidity",
            0.62172229896996423,
            1,
            0.43040798811510583,
        ),
        // mantelhaen.test(table(ct_category, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "ct_category",
            3.1289008897464208,
            2,
            0.2092029501420801,
        ),
        // mantelhaen.test(table(cn_category, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "cn_category",
            0.68659196692106828,
            2,
            0.70942820146791397,
        ),
        // mantelhaen.test(table(lm_distribution, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "lm_distribution",
            2.2566517399899571,
            1,
            0.13304143458769316,
        ),
        // mantelhaen.test(table(extrahepatic_disease, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "extrahepatic_disease",
            0.77553919191055321,
            1,
            0.37850889497436352,
        ),
        // mantelhaen.test(table(treatment_completed, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "treatment_completed",
            0.98171421004501402,
            1,
            0.32177596145614168,
        ),
        // mantelhaen.test(table(lm_pcr, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "lm_pcr",
            0.37078468168064904,
            1,
            0.54257685980615789,
        ),
        // mantelhaen.test(table(rectal_response, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "rectal_response",
            2.4688252436917475,
            2,
            0.29100564253445238,
        ),
        // mantelhaen.test(table(centre, group, centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "centre",
            253.44684346398816,
            5,
            1.0011445532255556e-52,
        ),
    ];

    // (data set, variable, statistic, df, p)
    pub const VAN_ELTEREN: &[(&str, &str, f64, usize, f64)] = &[
        // van_elteren(age, rx, centre) [ovarian, 2 centres; function in this script]
        ("ovarian", "age", 0.1714285714285714, 1, 0.67884529942431837),
        // van_elteren(karno, trt, centre) [veteran, 3 centres; function in this script]
        (
            "veteran",
            "karno",
            0.032683477747647495,
            1,
            0.85653576961828493,
        ),
        // van_elteren(diagtime_months, trt, centre) [veteran, 3 centres; function in this script]
        (
            "veteran",
            "diagtime_months",
            1.0861971813972457,
            1,
            0.29731532907414693,
        ),
        // van_elteren(age, trt, centre) [veteran, 3 centres; function in this script]
        ("veteran", "age", 0.4319130776199952, 1, 0.51105172023744594),
        // van_elteren(age, sex, centre) [lung, 4 centres; function in this script]
        ("lung", "age", 3.4515391995012177, 1, 0.063192896012809044),
        // van_elteren(ph_karno, sex, centre) [lung, 4 centres; function in this script]
        (
            "lung",
            "ph_karno",
            0.16425931367562271,
            1,
            0.68526496410702209,
        ),
        // van_elteren(pat_karno, sex, centre) [lung, 4 centres; function in this script]
        (
            "lung",
            "pat_karno",
            1.2523351450974869,
            1,
            0.26310694546788432,
        ),
        // van_elteren(meal_cal, sex, centre) [lung, 4 centres; function in this script]
        (
            "lung",
            "meal_cal",
            6.4366572324571161,
            1,
            0.011178881333957721,
        ),
        // van_elteren(wt_loss, sex, centre) [lung, 4 centres; function in this script]
        (
            "lung",
            "wt_loss",
            5.9276079666111317,
            1,
            0.014905461335529975,
        ),
        // van_elteren(age, rx, centre) [colon, 5 centres; function in this script]
        ("colon", "age", 0.39919110327050222, 2, 0.81906195436462848),
        // van_elteren(nodes, rx, centre) [colon, 5 centres; function in this script]
        ("colon", "nodes", 1.2030549994382325, 2, 0.54797396640702567),
        // van_elteren(age, group, centre) [paper_lfa_m1, 6 centres; function in this script]
        (
            "paper_lfa_m1",
            "age",
            0.3640191436150701,
            1,
            0.54628253479428324,
        ),
        // van_elteren(n_liver_mets, group, centre) [paper_lfa_m1, 6 centres; function in this script]
        (
            "paper_lfa_m1",
            "n_liver_mets",
            11.323647044044316,
            1,
            0.00076526263989132499,
        ),
        // van_elteren(lm_diameter_cm, group, centre) [paper_lfa_m1, 6 centres; function in this script]
        (
            "paper_lfa_m1",
            "lm_diameter_cm",
            0.3414488874934013,
            1,
            0.55899408819281315,
        ),
        // van_elteren(treatment_weeks, group, centre) [paper_lfa_m1, 6 centres; function in this script]
        (
            "paper_lfa_m1",
            "treatment_weeks",
            22.847300714328082,
            1,
            1.7539548289277966e-06,
        ),
        // van_elteren(hospital_stay_days, group, centre) [paper_lfa_m1, 6 centres; function in this script]
        (
            "paper_lfa_m1",
            "hospital_stay_days",
            2.9036714465416242,
            1,
            0.088378047793081463,
        ),
    ];

    // (data set, endpoint, grid step (0 = exact times), chisq, df, p, observed, expected)
    #[allow(clippy::type_complexity)]
    pub const STRATIFIED_LOGRANK: &[(&str, &str, f64, f64, usize, f64, &[f64], &[f64])] = &[
        // survdiff(Surv(os_days, os_event) ~ rx + strata(centre)) [ovarian, 2 centres]
        (
            "ovarian",
            "OS",
            0.0,
            0.90089380460343005,
            1,
            0.34254216231279361,
            &[7.0, 5.0],
            &[5.4094516594516593, 6.5905483405483398],
        ),
        // survdiff(Surv(bin(os_days, 1), os_event) ~ rx + strata(centre)) [ovarian, 2 centres]
        (
            "ovarian",
            "OS",
            1.0,
            0.90089380460343005,
            1,
            0.34254216231279361,
            &[7.0, 5.0],
            &[5.4094516594516593, 6.5905483405483398],
        ),
        // survdiff(Surv(os_days, os_event) ~ trt + strata(centre)) [veteran, 3 centres]
        (
            "veteran",
            "OS",
            0.0,
            0.051406671355775931,
            1,
            0.82063339187380457,
            &[64.0, 64.0],
            &[65.205665331668698, 62.794334668331302],
        ),
        // survdiff(Surv(bin(os_days, 1), os_event) ~ trt + strata(centre)) [veteran, 3 centres]
        (
            "veteran",
            "OS",
            1.0,
            0.051406671355775931,
            1,
            0.82063339187380457,
            &[64.0, 64.0],
            &[65.205665331668698, 62.794334668331302],
        ),
        // survdiff(Surv(os_days, os_event) ~ sex + strata(centre)) [lung, 4 centres]
        (
            "lung",
            "OS",
            0.0,
            12.35956074018749,
            1,
            0.00043873390359729244,
            &[112.0, 53.0],
            &[90.321991488529591, 74.678008511470409],
        ),
        // survdiff(Surv(bin(os_days, 1), os_event) ~ sex + strata(centre)) [lung, 4 centres]
        (
            "lung",
            "OS",
            1.0,
            12.35956074018749,
            1,
            0.00043873390359729244,
            &[112.0, 53.0],
            &[90.321991488529591, 74.678008511470409],
        ),
        // survdiff(Surv(bin(os_days, 30), os_event) ~ sex + strata(centre)) [lung, 4 centres]
        (
            "lung",
            "OS",
            30.0,
            13.167004933065829,
            1,
            0.00028492177194682319,
            &[112.0, 53.0],
            &[90.339302869748622, 74.660697130251393],
        ),
        // survdiff(Surv(recurrence_days, recurrence_event) ~ rx + strata(centre)) [colon, 5 centres]
        (
            "colon",
            "recurrence",
            0.0,
            22.091003727253984,
            2,
            1.5958772760143844e-05,
            &[177.0, 172.0, 119.0],
            &[152.00160739104845, 148.45068121319005, 167.54771139576152],
        ),
        // survdiff(Surv(bin(recurrence_days, 1), recurrence_event) ~ rx + strata(centre)) [colon, 5 centres]
        (
            "colon",
            "recurrence",
            1.0,
            22.091003727253984,
            2,
            1.5958772760143844e-05,
            &[177.0, 172.0, 119.0],
            &[152.00160739104845, 148.45068121319005, 167.54771139576152],
        ),
        // survdiff(Surv(os_days, os_event) ~ rx + strata(centre)) [colon, 5 centres]
        (
            "colon",
            "OS",
            0.0,
            10.929614281406906,
            2,
            0.0042331573720652584,
            &[168.0, 161.0, 123.0],
            &[147.96102549797425, 148.01989169521295, 156.01908280681275],
        ),
        // survdiff(Surv(bin(os_days, 1), os_event) ~ rx + strata(centre)) [colon, 5 centres]
        (
            "colon",
            "OS",
            1.0,
            10.929614281406906,
            2,
            0.0042331573720652584,
            &[168.0, 161.0, 123.0],
            &[147.96102549797425, 148.01989169521295, 156.01908280681275],
        ),
        // survdiff(Surv(os_months, os_event) ~ group + strata(centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "OS",
            0.0,
            0.59565980940794305,
            1,
            0.4402388134016112,
            &[30.0, 62.0],
            &[33.467247075588546, 58.532752924411454],
        ),
        // survdiff(Surv(bin(os_months, 1), os_event) ~ group + strata(centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "OS",
            1.0,
            0.60334737498249535,
            1,
            0.43730369351952941,
            &[30.0, 62.0],
            &[33.47926302302551, 58.52073697697449],
        ),
        // survdiff(Surv(pfs_months, pfs_event) ~ group + strata(centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "PFS",
            0.0,
            0.098453378568025565,
            1,
            0.75369359393991542,
            &[79.0, 128.0],
            &[76.896244675573982, 130.10375532442603],
        ),
        // survdiff(Surv(bin(pfs_months, 1), pfs_event) ~ group + strata(centre)) [paper_lfa_m1, 6 centres]
        (
            "paper_lfa_m1",
            "PFS",
            1.0,
            0.16219079385099389,
            1,
            0.68714746377936808,
            &[79.0, 128.0],
            &[76.387385393041342, 130.61261460695863],
        ),
    ];
}
use r::{CMH, STRATIFIED_LOGRANK, VAN_ELTEREN};
