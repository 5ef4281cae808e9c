//! Synthetic cohorts for demos, teaching and benchmarks: a two-arm
//! registry-like cohort of patients with synchronous liver metastases, with
//! the columns of `shared/bench/README.md`, and the analysis spec for it.
//!
//! Design choices:
//! - **A hand-written PRNG** (xoshiro256** seeded by splitmix64, Blackman &
//!   Vigna 2018), not the `rand` crate: the core stays small and builds for
//!   `wasm32-unknown-unknown`, and the stream of numbers is fixed by this
//!   file alone, so the same seed gives the same bytes on every run (across
//!   platforms too, unless a platform's `ln`/`exp`/`cos` differ in the last
//!   bit, which can move a rare value by 0.1).
//! - **Fast**: one reusable byte buffer, numbers written as integer tenths
//!   without `format!`, no allocation per row; 10⁷ rows (≈ 520 MB) take a few
//!   seconds.
//! - **Missing values are empty cells**, as in the reference data sets and
//!   as `shared/bench/baseline_r.R` reads them (`fread(na.strings = "")`,
//!   which would read a column containing `NA` as text). Insitu reads an
//!   empty cell and `NA` alike.
//!
//! The model: exponential times to death and to progression with hazard
//! λ₀ · exp(lp),
//!
//! ```text
//! lp = log(0.8)·(arm B) + 0.2·(cT3) + 0.45·(cT4) + 0.2·(cN1) + 0.4·(cN2)
//!      + 0.08·(metastases − 1) + 0.3·(co-morbidity)
//! ```
//!
//! (indicators in parentheses); PFS is the earlier of progression and death.
//! Follow-up ends at an administrative censoring time uniform on 12–72
//! months (staggered entry), or for ~5 % of patients at a loss to follow-up
//! uniform before it. Times are rounded to 0.1 month (at least 0.1);
//! rounding keeps PFS ≤ OS.

use crate::stats::rng::Xoshiro256;
use std::io::Write;

/// Column names, in file order.
pub const HEADER: [&str; 14] = [
    "patient_id",
    "centre",
    "arm",
    "age",
    "sex",
    "ct_category",
    "cn_category",
    "n_liver_mets",
    "lm_diameter_cm",
    "comorbidity",
    "os_months",
    "os_event",
    "pfs_months",
    "pfs_event",
];

/// Probability that a Table 1 covariate is missing.
pub const P_MISSING_COVARIATE: f64 = 0.05;
/// Probability that PFS (time and event) is missing.
pub const P_MISSING_PFS: f64 = 0.01;
/// Hazard ratio of arm B against arm A (death and progression).
pub const HAZARD_RATIO_B: f64 = 0.8;

/// Relative sizes of centres C01–C12 (a few large centres, a long tail).
const CENTRE_WEIGHTS: [u32; 12] = [22, 16, 12, 10, 9, 8, 6, 5, 4, 4, 2, 2];
/// Median time to death (months) of the reference profile (arm A, cT2, cN0,
/// one metastasis, no co-morbidity).
const MEDIAN_DEATH_REFERENCE: f64 = 48.0;
/// Median time to progression (months) of the reference profile.
const MEDIAN_PROGRESSION_REFERENCE: f64 = 20.0;
/// Administrative censoring: uniform on [start, start + span] months.
const ADMIN_CENSORING_START: f64 = 12.0;
const ADMIN_CENSORING_SPAN: f64 = 60.0;
/// Share of patients lost to follow-up before administrative censoring.
const P_LOST: f64 = 0.05;
/// Bytes gathered before they are handed to the writer.
const FLUSH_AT: usize = 1 << 16;

/// Writes a synthetic cohort of `rows` patients as CSV, reproducible from
/// `seed`.
pub fn write_csv<W: Write>(out: &mut W, rows: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = Xoshiro256::new(seed);
    let centres = Cumulative::new(&CENTRE_WEIGHTS);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 256);
    buf.extend_from_slice(HEADER.join(",").as_bytes());
    buf.push(b'\n');
    for i in 0..rows {
        let patient = Patient::draw(&mut rng, &centres);
        patient.write(i + 1, &mut buf);
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// The analysis spec of a synthetic cohort written to `csv_name`.
///
/// No stratified log-rank test by centre: the spec stays cheap to run at
/// scale (and arm is randomised within centres anyway).
pub fn spec_json(csv_name: &str) -> String {
    // serde_json escapes the name; a template keeps the keys in reading order
    let quoted = serde_json::to_string(csv_name).unwrap_or_else(|_| "\"\"".to_string());
    SPEC_TEMPLATE.replace("\"{CSV}\"", &quoted)
}

const SPEC_TEMPLATE: &str = r#"{
  "name": "synthetic_cohort",
  "csv": "{CSV}",
  "title": "Synthetic cohort: arm B vs arm A (insitu synth)",
  "source": "synthetic, seeded (insitu synth); exponential hazards, HR 0.8 for arm B",
  "group": {
    "column": "arm",
    "label": "Arm",
    "levels": ["A", "B"]
  },
  "variables": [
    {"name": "age", "kind": "continuous", "label": "Age (years)"},
    {"name": "sex", "kind": "categorical", "label": "Sex", "levels": ["F", "M"]},
    {"name": "ct_category", "kind": "categorical", "label": "cT category", "levels": ["cT2", "cT3", "cT4"]},
    {"name": "cn_category", "kind": "categorical", "label": "cN category", "levels": ["cN0", "cN1", "cN2"]},
    {"name": "n_liver_mets", "kind": "continuous", "label": "Number of liver metastases"},
    {"name": "lm_diameter_cm", "kind": "continuous", "label": "Diameter of largest liver metastasis (cm)"},
    {"name": "comorbidity", "kind": "categorical", "label": "Co-morbidity", "levels": ["no", "yes"]}
  ],
  "endpoints": [
    {
      "name": "OS",
      "time": "os_months",
      "event": "os_event",
      "time_unit": "months",
      "event_meaning": "death",
      "landmark_times": [12, 24, 36, 60],
      "landmark_labels": ["1y", "2y", "3y", "5y"],
      "risk_table_by": 12
    },
    {
      "name": "PFS",
      "time": "pfs_months",
      "event": "pfs_event",
      "time_unit": "months",
      "event_meaning": "progression or death",
      "landmark_times": [12, 24, 36, 60],
      "landmark_labels": ["1y", "2y", "3y", "5y"],
      "risk_table_by": 12
    }
  ],
  "columns": {
    "patient_id": "synthetic id",
    "centre": "hospital C01-C12, unequal sizes",
    "arm": "A / B, randomised 1:1",
    "age": "years, 1 decimal",
    "sex": "F / M",
    "ct_category": "clinical T category",
    "cn_category": "clinical N category",
    "n_liver_mets": "number of liver metastases",
    "lm_diameter_cm": "diameter of the largest liver metastasis, cm",
    "comorbidity": "no / yes",
    "os_months": "overall survival time, months",
    "os_event": "1 = death",
    "pfs_months": "progression-free survival time, months (<= os_months)",
    "pfs_event": "1 = progression or death"
  },
  "notes": [
    "Synthetic data: about 5 % of each covariate and 1 % of PFS are missing (empty cells)."
  ]
}
"#;

/// One simulated patient, before missing values are applied.
struct Patient {
    centre: u8,
    arm_b: bool,
    age_tenths: u64,
    female: bool,
    ct: u8,
    cn: u8,
    n_mets: u64,
    diameter_tenths: u64,
    comorbid: bool,
    os_tenths: u64,
    os_event: bool,
    pfs_tenths: u64,
    pfs_event: bool,
    /// Bit k set: covariate k (age, sex, cT, cN, mets, diameter,
    /// co-morbidity) is missing; bit 7: PFS is missing.
    missing: u8,
}

impl Patient {
    fn draw(rng: &mut Xoshiro256, centres: &Cumulative) -> Patient {
        let centre = centres.pick(rng.next_u64());
        let arm_b = rng.next_u64() >> 63 == 1;
        let (z_age, z_diameter) = rng.normal_pair();
        let age = (64.0 + 10.0 * z_age).clamp(18.0, 95.0);
        let diameter = (3.0f64.ln() + 0.55 * z_diameter).exp().clamp(0.3, 25.0);
        let female = rng.uniform() < 0.4;
        let ct = category(rng.uniform(), &[0.2, 0.75]);
        let cn = category(rng.uniform(), &[0.3, 0.7]);
        // 1 + geometric(0.4): mean 2.5, capped
        let n_mets = 1 + ((rng.uniform_open().ln() / 0.6f64.ln()) as u64).min(30);
        let comorbid = rng.uniform() < 0.3;

        let lp = f64::from(u8::from(arm_b)) * HAZARD_RATIO_B.ln()
            + [0.0, 0.2, 0.45][ct as usize]
            + [0.0, 0.2, 0.4][cn as usize]
            + 0.08 * (n_mets - 1) as f64
            + if comorbid { 0.3 } else { 0.0 };
        let risk = lp.exp();
        let death = rng.exponential(std::f64::consts::LN_2 / MEDIAN_DEATH_REFERENCE * risk);
        let progression =
            rng.exponential(std::f64::consts::LN_2 / MEDIAN_PROGRESSION_REFERENCE * risk);
        let admin = ADMIN_CENSORING_START + ADMIN_CENSORING_SPAN * rng.uniform();
        let censoring = if rng.uniform() < P_LOST {
            admin * rng.uniform()
        } else {
            admin
        };
        let pfs = progression.min(death);

        let flags = [rng.next_u64(), rng.next_u64()];
        let mut missing = 0u8;
        for k in 0..7 {
            let word = flags[k / 4];
            missing |= u8::from(chunk_below(word, k % 4, P_MISSING_COVARIATE)) << k;
        }
        missing |= u8::from(chunk_below(flags[1], 3, P_MISSING_PFS)) << 7;

        Patient {
            centre,
            arm_b,
            age_tenths: tenths(age),
            female,
            ct,
            cn,
            n_mets,
            diameter_tenths: tenths(diameter),
            comorbid,
            os_tenths: tenths(death.min(censoring)),
            os_event: death <= censoring,
            pfs_tenths: tenths(pfs.min(censoring)),
            pfs_event: pfs <= censoring,
            missing,
        }
    }

    /// Appends the CSV line of patient number `id`.
    fn write(&self, id: u64, buf: &mut Vec<u8>) {
        let present = |k: u8| self.missing & (1 << k) == 0;
        buf.push(b'P');
        push_padded(buf, id, 8);
        buf.extend_from_slice(b",C");
        push_padded(buf, u64::from(self.centre) + 1, 2);
        buf.extend_from_slice(if self.arm_b { b",B," } else { b",A," });
        if present(0) {
            push_tenths(buf, self.age_tenths);
        }
        buf.push(b',');
        if present(1) {
            buf.push(if self.female { b'F' } else { b'M' });
        }
        buf.push(b',');
        if present(2) {
            buf.extend_from_slice(&[b'c', b'T', b'2' + self.ct]);
        }
        buf.push(b',');
        if present(3) {
            buf.extend_from_slice(&[b'c', b'N', b'0' + self.cn]);
        }
        buf.push(b',');
        if present(4) {
            push_uint(buf, self.n_mets);
        }
        buf.push(b',');
        if present(5) {
            push_tenths(buf, self.diameter_tenths);
        }
        buf.push(b',');
        if present(6) {
            buf.extend_from_slice(if self.comorbid { b"yes" } else { b"no" });
        }
        buf.push(b',');
        push_tenths(buf, self.os_tenths);
        buf.extend_from_slice(if self.os_event { b",1," } else { b",0," });
        if present(7) {
            push_tenths(buf, self.pfs_tenths);
            buf.extend_from_slice(if self.pfs_event { b",1" } else { b",0" });
        } else {
            buf.push(b',');
        }
        buf.push(b'\n');
    }
}

/// Index of the first cumulative bound above `u` (bounds ascending, < 1).
fn category(u: f64, bounds: &[f64]) -> u8 {
    bounds.iter().take_while(|&&b| u >= b).count() as u8
}

/// Whether 16-bit chunk `k` (0–3) of `bits` falls below probability `p`:
/// four independent Bernoulli draws from one random word.
fn chunk_below(bits: u64, k: usize, p: f64) -> bool {
    let chunk = (bits >> (16 * k)) & 0xffff;
    (chunk as f64) < p * 65536.0
}

/// A time or measurement in tenths, rounded, at least 0.1.
fn tenths(x: f64) -> u64 {
    ((x * 10.0).round() as u64).max(1)
}

fn push_uint(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[k..]);
}

/// `v` with leading zeros to at least `width` digits.
fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let digits = v.checked_ilog10().map_or(1, |d| d as usize + 1);
    buf.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits)));
    push_uint(buf, v);
}

/// `tenths / 10` with one decimal.
fn push_tenths(buf: &mut Vec<u8>, tenths: u64) {
    push_uint(buf, tenths / 10);
    buf.push(b'.');
    buf.push(b'0' + (tenths % 10) as u8);
}

/// Categories drawn with given integer weights, by comparing the top 32 bits
/// of a random word with cumulative thresholds.
struct Cumulative {
    thresholds: Vec<u64>,
}

impl Cumulative {
    fn new(weights: &[u32]) -> Cumulative {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut running = 0u64;
        let thresholds = weights
            .iter()
            .map(|&w| {
                running += u64::from(w);
                (running << 32) / total
            })
            .collect();
        Cumulative { thresholds }
    }

    fn pick(&self, bits: u64) -> u8 {
        let u = bits >> 32;
        self.thresholds.iter().take_while(|&&t| u >= t).count() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    fn cohort(rows: u64, seed: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_csv(&mut bytes, rows, seed).unwrap();
        bytes
    }

    fn lines(bytes: &[u8]) -> Vec<&str> {
        std::str::from_utf8(bytes).unwrap().lines().collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(cohort(3000, 7), cohort(3000, 7));
        assert_ne!(cohort(3000, 7), cohort(3000, 8));
    }

    #[test]
    fn header_and_row_count() {
        for rows in [0, 1, 999, 20_000] {
            let bytes = cohort(rows, 1);
            let lines = lines(&bytes);
            assert_eq!(lines[0], HEADER.join(","));
            assert_eq!(lines.len() as u64, rows + 1);
            assert!(lines[1..].iter().all(|l| l.split(',').count() == 14));
        }
    }

    #[test]
    fn ids_centres_and_arms() {
        let bytes = cohort(20_000, 3);
        let rows: Vec<Vec<&str>> = lines(&bytes)[1..]
            .iter()
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows[0][0], "P00000001");
        assert_eq!(rows[19_999][0], "P00020000");
        let mut per_centre = [0usize; 12];
        for r in &rows {
            let c: usize = r[1].strip_prefix('C').unwrap().parse().unwrap();
            per_centre[c - 1] += 1;
        }
        assert!(per_centre.iter().all(|&n| n > 0));
        assert!(per_centre[0] > 5 * per_centre[11], "{per_centre:?}");
        let b = rows.iter().filter(|r| r[2] == "B").count() as f64 / rows.len() as f64;
        assert!((0.48..0.52).contains(&b), "share of arm B {b}");
    }

    #[test]
    fn missing_fractions_and_times() {
        let bytes = cohort(20_000, 5);
        let rows: Vec<Vec<&str>> = lines(&bytes)[1..]
            .iter()
            .map(|l| l.split(',').collect())
            .collect();
        let n = rows.len() as f64;
        for column in 3..10 {
            let share = rows.iter().filter(|r| r[column].is_empty()).count() as f64 / n;
            assert!(
                (0.04..0.06).contains(&share),
                "{}: {share} missing",
                HEADER[column]
            );
        }
        for column in [0, 1, 2, 10, 11] {
            assert!(rows.iter().all(|r| !r[column].is_empty()));
        }
        let pfs_missing: Vec<&Vec<&str>> = rows.iter().filter(|r| r[12].is_empty()).collect();
        let share = pfs_missing.len() as f64 / n;
        assert!((0.005..0.015).contains(&share), "PFS {share} missing");
        assert!(pfs_missing.iter().all(|r| r[13].is_empty()));
        for r in &rows {
            let os: f64 = r[10].parse().unwrap();
            assert!((0.1..=72.0).contains(&os), "os {os}");
            if !r[12].is_empty() {
                let pfs: f64 = r[12].parse().unwrap();
                assert!((0.1..=os).contains(&pfs), "pfs {pfs} > os {os}");
            }
        }
        let events = rows.iter().filter(|r| r[11] == "1").count() as f64 / n;
        assert!((0.3..0.8).contains(&events), "OS events {events}");
    }

    #[test]
    fn spec_is_valid_and_names_the_file() {
        let spec = Spec::from_json(&spec_json("c.csv"), "c.spec.json").unwrap();
        assert_eq!(spec.csv.as_deref(), Some("c.csv"));
        assert_eq!(spec.group.column, "arm");
        assert_eq!(spec.variables.len(), 7);
        assert_eq!(spec.endpoints.len(), 2);
        assert!(spec
            .endpoints
            .iter()
            .all(|e| e.stratified_logrank.is_none()));
        // a name that needs escaping stays one JSON string
        let odd = Spec::from_json(&spec_json("a \"b\".csv"), "x").unwrap();
        assert_eq!(odd.csv.as_deref(), Some("a \"b\".csv"));
    }

    /// The columns are the ones `shared/bench/README.md` documents, in
    /// its order (the R baseline reads them by name).
    #[test]
    fn columns_are_the_documented_ones() {
        assert_eq!(
            HEADER.join(","),
            "patient_id,centre,arm,age,sex,ct_category,cn_category,n_liver_mets,\
             lm_diameter_cm,comorbidity,os_months,os_event,pfs_months,pfs_event"
        );
        let bytes = cohort(5000, 2);
        let rows: Vec<Vec<&str>> = lines(&bytes)[1..]
            .iter()
            .map(|l| l.split(',').collect())
            .collect();
        let levels = |column: usize| {
            let mut seen: Vec<&str> = rows.iter().map(|r| r[column]).collect();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        assert_eq!(levels(2), ["A", "B"]);
        assert_eq!(levels(4), ["", "F", "M"]);
        assert_eq!(levels(5), ["", "cT2", "cT3", "cT4"]);
        assert_eq!(levels(6), ["", "cN0", "cN1", "cN2"]);
        assert_eq!(levels(9), ["", "no", "yes"]);
        assert_eq!(levels(11), ["0", "1"]);
        assert_eq!(levels(13), ["", "0", "1"]);
        let one_decimal = |v: &str| {
            v.split_once('.')
                .is_some_and(|(i, d)| d.len() == 1 && i.parse::<u32>().is_ok())
        };
        for r in &rows {
            for column in [3, 8, 10] {
                assert!(r[column].is_empty() || one_decimal(r[column]), "{r:?}");
            }
            assert!(r[7].is_empty() || r[7].parse::<u32>().is_ok_and(|m| m >= 1));
        }
    }

    /// The spec analyses the cohort with nothing to warn about but the
    /// rows without PFS, every Table 1 test computed and no model warning.
    #[test]
    fn analysis_has_no_warnings_but_the_missing_pfs() {
        let rows = 5000;
        let bytes = cohort(rows, 4);
        let spec = Spec::from_json(&spec_json("synth.csv"), "synth.spec.json").unwrap();
        let report = crate::analyze(&bytes, "synth.csv", &spec).unwrap();
        let no_pfs = lines(&bytes)[1..]
            .iter()
            .filter(|l| l.ends_with(",,"))
            .count();
        assert!(no_pfs > 0);
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        assert!(
            report.warnings[0].starts_with(&format!("{no_pfs} row(s) excluded from PFS")),
            "{:?}",
            report.warnings
        );
        assert_eq!(report.n_rows, rows as usize);
        assert_eq!(report.n_missing_group, 0);
        assert_eq!(report.categorical.len(), 4);
        for c in &report.categorical {
            let pearson = c.tests.chisq_pearson.as_ref().unwrap();
            assert!(pearson.warnings.is_empty(), "{}", c.variable);
            assert!(pearson.p.is_some_and(|p| (0.0..=1.0).contains(&p)));
            assert!(c.tests.fisher.as_ref().is_some_and(|f| f.p.is_some()));
            assert!(c.tests.note.is_none());
        }
        assert_eq!(report.continuous.len(), 3);
        for c in &report.continuous {
            let w = c.tests.wilcoxon.as_ref().unwrap();
            assert!(w.p_r_default.is_some(), "{}", c.variable);
            assert_eq!(w.n1 + w.n2, c.overall.n_nonmissing);
        }
        for endpoint in &report.survival {
            assert!(endpoint.logrank.as_ref().unwrap().p.is_some());
            let cox = endpoint.cox.as_ref().unwrap();
            for fit in [&cox.efron, &cox.breslow] {
                let fit = fit.as_ref().unwrap();
                assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
                assert!(fit.iterations <= 10, "{} iterations", fit.iterations);
            }
            for km in &endpoint.km {
                assert!(km.median.is_some(), "{}: median reached", endpoint.endpoint);
            }
        }
        assert!(!report.table1.rows.is_empty());
    }

    #[test]
    fn analysed_cohort_shows_the_simulated_hazard_ratio() {
        let bytes = cohort(2000, 11);
        let spec = Spec::from_json(&spec_json("synth.csv"), "synth.spec.json").unwrap();
        let report = crate::analyze(&bytes, "synth.csv", &spec).unwrap();
        assert_eq!(report.n_rows, 2000);
        for endpoint in &report.survival {
            let cox = endpoint.cox.as_ref().unwrap().efron.as_ref().unwrap();
            let hr = cox.coefficients[0].hr.unwrap();
            assert!(
                (0.6..1.0).contains(&hr),
                "{}: HR(B vs A) = {hr}",
                endpoint.endpoint
            );
        }
    }
}
