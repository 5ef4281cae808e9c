//! The audit view: every number an aggregate file will carry out of the
//! centre, in plain words, for the person who must approve the export.
//!
//! The text lists exactly the file's numbers (and the spec's identity), in
//! the file's order, each written as the file writes it, so that a reader —
//! or a test — can check one against the other.

use std::fmt::Write;

use super::aggregate::{AggregateFile, TimeCounts};
use super::disclosure::SmallCells;

/// A number as the JSON file writes it (shortest form that reads back).
fn num(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e16) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// "above 40 up to 48, …".
fn merged_list(bins: &[[f64; 2]]) -> String {
    bins.iter()
        .map(|[lo, hi]| format!("above {} up to {}", num(*lo), num(*hi)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join("; ")
}

fn times(t: &TimeCounts) -> String {
    format!(
        "{}: {} patients; per time bin (events, censored): {}",
        t.group,
        t.n,
        if t.bins.is_empty() {
            "none".to_string()
        } else {
            list(&t.bins, |b| {
                format!("at {}: {}, {}", num(b.time), b.events, b.censored)
            })
        }
    )
}

/// The audit text of `file`.
pub fn audit(file: &AggregateFile) -> String {
    let mut o = String::new();
    let d = &file.disclosure;
    let _ = writeln!(
        o,
        "Everything this file sends out of centre {}, number by number.",
        file.centre
    );
    let _ = writeln!(
        o,
        "File format {} version {}, written by Insitu {}. Spec {} ({}).",
        file.format,
        file.version,
        file.insitu_version,
        file.spec.name.as_deref().unwrap_or("without a name"),
        file.spec_hash
    );
    let _ = writeln!(
        o,
        "Disclosure control: smallest cell {}, policy {}. {}",
        d.min_cell,
        d.small_cells.name(),
        d.statement
    );
    if d.small_cells == SmallCells::Keep {
        let _ = writeln!(
            o,
            "WARNING: counts below {} are written; share this file only under a data agreement.",
            d.min_cell
        );
    }
    for a in &d.actions {
        let _ = writeln!(o, "  - {a}");
    }
    let _ = writeln!(
        o,
        "No patient row, identifier, date, exact time or value, minimum or maximum is written."
    );

    let _ = writeln!(o, "\nGroups (patients):");
    for g in &file.groups {
        match g.n {
            Some(n) => {
                let _ = writeln!(o, "  {}: {n}", g.label);
            }
            None => {
                let _ = writeln!(o, "  {}: withheld", g.label);
            }
        }
    }
    let _ = writeln!(
        o,
        "Rows: {}; rows without a group: {}; rows removed by the spec's filter: {}.",
        file.n_rows
            .map_or_else(|| "withheld".to_string(), |n| n.to_string()),
        file.n_missing_group,
        file.n_filtered
    );

    if !file.categorical.is_empty() {
        let _ = writeln!(o, "\nCategorical variables (patients per category):");
    }
    for v in &file.categorical {
        let _ = writeln!(o, "  {}:", v.variable);
        if let Some(why) = &v.withheld {
            let _ = writeln!(o, "    withheld ({why})");
            continue;
        }
        for g in &v.by_group {
            let _ = writeln!(
                o,
                "    {}: {}; missing {}",
                g.group,
                v.categories
                    .iter()
                    .zip(&g.counts)
                    .map(|(c, n)| format!("{} {n}", c.join(" or ")))
                    .collect::<Vec<_>>()
                    .join(", "),
                g.missing
            );
        }
    }

    if !file.continuous.is_empty() {
        let _ = writeln!(o, "\nContinuous variables:");
    }
    for v in &file.continuous {
        let _ = writeln!(o, "  {}:", v.variable);
        if let Some(why) = &v.withheld {
            let _ = writeln!(o, "    withheld ({why})");
            continue;
        }
        for g in &v.by_group {
            let _ = writeln!(
                o,
                "    {}: {} values, {} missing; sum {} (+ remainder {}); sum of squares {} (+ remainder {}); sum of ranks among the centre's values {}",
                g.group,
                g.n,
                g.missing,
                num(g.sum.value),
                num(g.sum.remainder),
                num(g.sum_sq.value),
                num(g.sum_sq.remainder),
                num(g.rank_sum)
            );
        }
        let _ = writeln!(
            o,
            "    ties among the centre's values: sum of (t³ − t) = {}",
            num(v.rank_ties)
        );
        match (&v.histogram, &v.histogram_withheld) {
            (Some(h), _) => {
                let groups: Vec<&str> = v.by_group.iter().map(|g| g.group.as_str()).collect();
                let _ = writeln!(
                    o,
                    "    histogram, bins of width {}{}; values per bin up to its upper edge ({}):",
                    num(h.width),
                    if h.merged_bins.is_empty() {
                        String::new()
                    } else {
                        format!(", bins merged: {}", merged_list(&h.merged_bins))
                    },
                    groups.join(", ")
                );
                let _ = writeln!(
                    o,
                    "      {}",
                    if h.bins.is_empty() {
                        "none".to_string()
                    } else {
                        list(&h.bins, |b| {
                            format!(
                                "up to {}: {}",
                                num(b.upper),
                                b.counts
                                    .iter()
                                    .map(u64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })
                    }
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(o, "    histogram withheld ({why})");
            }
            (None, None) => {}
        }
    }

    if !file.survival.is_empty() {
        let _ = writeln!(o, "\nEndpoints:");
    }
    for s in &file.survival {
        let _ = writeln!(
            o,
            "  {}: rows without time or event: {}; time grid step {}",
            s.endpoint,
            s.n_excluded_missing,
            num(s.grid)
        );
        if let Some(why) = &s.withheld {
            let _ = writeln!(o, "    withheld ({why})");
            continue;
        }
        if !s.merged_bins.is_empty() {
            let _ = writeln!(o, "    time bins merged: {}", merged_list(&s.merged_bins));
        }
        for g in &s.by_group {
            let _ = writeln!(o, "    {}", times(g));
        }
        for strata in &s.strata {
            let _ = writeln!(
                o,
                "    by {} (levels {}):",
                strata.column,
                strata.levels.join(", ")
            );
            for level in &strata.by_level {
                for g in &level.by_group {
                    let _ = writeln!(o, "      {} = {}, {}", strata.column, level.level, times(g));
                }
            }
        }
        if let Some(lr) = &s.logrank {
            let _ = writeln!(
                o,
                "    log-rank terms of this centre on its exact times ({}): observed {}; expected {}; variance matrix {}",
                lr.groups.join(", "),
                lr.observed.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", "),
                lr.expected.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", "),
                lr.variance
                    .iter()
                    .map(|row| format!(
                        "[{}]",
                        row.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", ")
                    ))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    o
}
