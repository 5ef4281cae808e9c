//! Criterion benchmarks of each kernel of the analysis, and of the whole
//! [`insitu_core::analyze`], on synthetic cohorts (`insitu_core::synth`) of
//! 10³, 10⁴, 10⁵ and 10⁶ rows.
//!
//! Each kernel gets the inputs `analyze` would give it (the same columns of
//! the same cohort), so the per-kernel times add up to a profile of the
//! whole job; `scripts/scale` times the job end to end against R.
//!
//! Run: `cargo bench -p insitu-core --bench kernels` (about 4 minutes on 2
//! cores). `INSITU_BENCH_MAX=5` stops at 10⁵ rows; criterion's own filters
//! work as usual, e.g. `cargo bench -p insitu-core --bench kernels -- cox`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};

use insitu_core::data::{AnalysisData, Categorical, Codes, VariableData};
use insitu_core::ingest::{read_table, ReadOptions, Table};
use insitu_core::options::Ties;
use insitu_core::stats::chisq::chisq_test;
use insitu_core::stats::contingency::Contingency;
use insitu_core::stats::descriptive::Summary;
use insitu_core::stats::fisher::fisher_test;
use insitu_core::stats::wilcoxon::wilcoxon;
use insitu_core::survival::km::KaplanMeier;
use insitu_core::survival::quantile::km_quantile;
use insitu_core::survival::{cox, logrank::logrank, SurvivalData};
use insitu_core::{options::CiType, synth, Spec};

const SEED: u64 = 20_240_601;
const FILE_NAME: &str = "synthetic.csv";

/// A cohort of one size with every kernel's input prepared.
struct Fixture {
    rows: u64,
    bytes: Vec<u8>,
    spec: Spec,
    table: Table,
    data: AnalysisData,
    /// OS in file order (not yet sorted): time, event, group.
    os_unsorted: (Vec<f64>, Vec<bool>, Vec<u32>),
}

impl Fixture {
    fn new(rows: u64) -> Fixture {
        let mut bytes = Vec::new();
        synth::write_csv(&mut bytes, rows, SEED).expect("writing to memory");
        let spec = Spec::from_json(&synth::spec_json(FILE_NAME), "synthetic.spec.json")
            .expect("the synthetic spec is valid");
        let table = read_table(&bytes, FILE_NAME, &ReadOptions::default()).expect("readable");
        let data = AnalysisData::new(&table, &spec).expect("valid cohort");
        let os_unsorted = os_in_file_order(&table);
        Fixture {
            rows,
            bytes,
            spec,
            table,
            data,
            os_unsorted,
        }
    }

    fn continuous(&self, name: &str) -> &[f64] {
        match self.variable(name) {
            VariableData::Continuous(x) => x,
            VariableData::Categorical(_) => panic!("{name} is categorical"),
        }
    }

    fn categorical(&self, name: &str) -> &Categorical {
        match self.variable(name) {
            VariableData::Categorical(c) => c,
            VariableData::Continuous(_) => panic!("{name} is continuous"),
        }
    }

    fn variable(&self, name: &str) -> &VariableData {
        &self
            .data
            .variables
            .iter()
            .find(|v| v.name == name)
            .expect("variable in the spec")
            .data
    }

    /// Non-missing values of `name` per arm, as the two-group tests get them.
    fn by_arm(&self, name: &str) -> [Vec<f64>; 2] {
        let mut arms = [Vec::new(), Vec::new()];
        for (g, &x) in self.data.group.iter().zip(self.continuous(name)) {
            if let (Some(g), false) = (g, x.is_nan()) {
                arms[g as usize].push(x);
            }
        }
        arms
    }

    fn os(&self) -> &SurvivalData {
        &self.data.endpoints[0].data
    }
}

fn os_in_file_order(table: &Table) -> (Vec<f64>, Vec<bool>, Vec<u32>) {
    let time = table.column("os_months").expect("os_months");
    let event = table.column("os_event").expect("os_event");
    let arm = table.column("arm").expect("arm");
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..table.n_rows() {
        out.0.push(time.get(i).parse().expect("a time"));
        out.1.push(event.get(i) == "1");
        out.2.push(u32::from(arm.get(i) == "B"));
    }
    out
}

/// level × group counts (as `analyze` builds them) and Pearson's χ².
fn count_and_chisq(variable: &Categorical, group: &Codes) -> f64 {
    let k = variable.levels.len();
    let mut counts = vec![0u64; k * 2];
    for (g, code) in group.iter().zip(variable.codes.iter()) {
        if let (Some(g), Some(c)) = (g, code) {
            counts[c as usize * 2 + g as usize] += 1;
        }
    }
    let (table, _, _) = Contingency::new(k, 2, counts).without_empty();
    chisq_test(&table, false).p
}

fn sizes() -> Vec<u64> {
    let max: u32 = std::env::var("INSITU_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    (3..=max.clamp(3, 7)).map(|e| 10u64.pow(e)).collect()
}

/// Short measurements: large inputs are slow enough that 10 samples give a
/// stable median, and the whole run must stay within a few minutes.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    group
}

fn kernels(c: &mut Criterion) {
    let fixtures: Vec<Fixture> = sizes().into_iter().map(Fixture::new).collect();

    let mut g = group(c, "ingest_read_table");
    for f in &fixtures {
        g.throughput(Throughput::Bytes(f.bytes.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f, |b, f| {
            b.iter(|| read_table(black_box(&f.bytes), FILE_NAME, &ReadOptions::default()))
        });
    }
    g.finish();

    let mut g = group(c, "typing_analysis_data");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f, |b, f| {
            b.iter(|| AnalysisData::new(black_box(&f.table), &f.spec))
        });
    }
    g.finish();

    let mut g = group(c, "quantiles_summary");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        let age = f.continuous("age");
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), age, |b, age| {
            b.iter(|| Summary::of(black_box(age)))
        });
    }
    g.finish();

    let mut g = group(c, "mann_whitney");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        let [a, b_arm] = f.by_arm("age");
        g.bench_function(BenchmarkId::from_parameter(f.rows), |b| {
            b.iter(|| wilcoxon(black_box(&a), black_box(&b_arm)))
        });
    }
    g.finish();

    let mut g = group(c, "chisq_count_and_test");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        let ct = f.categorical("ct_category");
        g.bench_function(BenchmarkId::from_parameter(f.rows), |b| {
            b.iter(|| count_and_chisq(black_box(ct), black_box(&f.data.group)))
        });
    }
    g.finish();

    let mut g = group(c, "fisher_2x2");
    for f in &fixtures {
        let sex = f.categorical("sex");
        let mut counts = vec![0u64; 4];
        for (g, code) in f.data.group.iter().zip(sex.codes.iter()) {
            if let (Some(g), Some(c)) = (g, code) {
                counts[c as usize * 2 + g as usize] += 1;
            }
        }
        let table = Contingency::new(2, 2, counts);
        g.bench_function(BenchmarkId::from_parameter(f.rows), |b| {
            b.iter(|| fisher_test(black_box(&table)))
        });
    }
    g.finish();

    let mut g = group(c, "survival_sort");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_function(BenchmarkId::from_parameter(f.rows), |b| {
            b.iter_batched(
                || f.os_unsorted.clone(),
                |(time, event, group)| SurvivalData::new(time, event, group, 2),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = group(c, "kaplan_meier");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f.os(), |b, os| {
            b.iter(|| {
                (0..2u32)
                    .map(|arm| {
                        let km = KaplanMeier::fit(&os.event_table(Some(arm)));
                        km_quantile(&km, 0.5, CiType::Log).estimate
                    })
                    .collect::<Vec<_>>()
            })
        });
    }
    g.finish();

    let mut g = group(c, "logrank");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f.os(), |b, os| {
            b.iter(|| logrank(&[os.risk_sets()], 0.0).p)
        });
    }
    g.finish();

    for (name, ties) in [("cox_efron", Ties::Efron), ("cox_breslow", Ties::Breslow)] {
        let mut g = group(c, name);
        for f in &fixtures {
            g.throughput(Throughput::Elements(f.rows));
            let os = f.os();
            let sets = os.risk_sets();
            let sizes = os.group_sizes();
            g.bench_function(BenchmarkId::from_parameter(f.rows), |b| {
                b.iter(|| cox::fit(black_box(&sets), &sizes, ties))
            });
        }
        g.finish();
    }

    let mut g = group(c, "analyze_table");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f, |b, f| {
            b.iter(|| insitu_core::analyze_table(black_box(&f.table), &f.spec))
        });
    }
    g.finish();

    let mut g = group(c, "analyze_whole");
    for f in &fixtures {
        g.throughput(Throughput::Elements(f.rows));
        g.bench_with_input(BenchmarkId::from_parameter(f.rows), f, |b, f| {
            b.iter(|| insitu_core::analyze(black_box(&f.bytes), FILE_NAME, &f.spec))
        });
    }
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
