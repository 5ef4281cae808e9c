//! The survival summary table: per endpoint and group, patients, events,
//! median survival with its CI, survival at the landmarks, median follow-up
//! (reverse Kaplan–Meier); then the log-rank P and the Cox hazard ratio.
//! Intervals follow the report's `km_ci` convention, the hazard ratio its
//! `cox_ties`.

use crate::options::{CiType, Ties};
use crate::report::{Ci, Report, SurvivalResult};
use crate::table1::{fixed, format_p, number};

use super::escape;

fn interval(ci: &Ci, decimals: usize, scale: f64) -> String {
    let show = |x: Option<f64>| x.map_or_else(|| "NR".to_string(), |x| fixed(x * scale, decimals));
    format!("{}–{}", show(ci.lower), show(ci.upper))
}

/// One endpoint's summary as an HTML table.
fn endpoint_table(report: &Report, s: &SurvivalResult) -> String {
    let c = report.conventions.resolved;
    let loglog = c.km_ci == CiType::LogLog;
    let mut h = format!(
        "<table class=\"survival-summary\" data-endpoint=\"{}\">\n<caption>{} ({}); 95% CI {}</caption>\n<thead><tr><th scope=\"col\"></th><th scope=\"col\">n</th><th scope=\"col\">Events</th><th scope=\"col\">Median (95% CI)</th>",
        escape(&s.endpoint),
        escape(&s.endpoint),
        escape(&s.time_unit),
        if loglog { "log-log" } else { "log" }
    );
    let landmarks =
        s.km.first()
            .map(|k| k.landmarks.clone())
            .unwrap_or_default();
    for l in &landmarks {
        h.push_str(&format!(
            "<th scope=\"col\">{} survival, % (95% CI)</th>",
            escape(&l.label)
        ));
    }
    h.push_str("<th scope=\"col\">Median follow-up (95% CI)</th></tr></thead>\n<tbody>\n");
    for (g, km) in s.km.iter().enumerate() {
        let (median_ci, follow) = (
            if loglog {
                &km.median_ci_loglog
            } else {
                &km.median_ci_log
            },
            &s.followup_reverse_km.by_group[g],
        );
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{} ({})</td>",
            escape(&km.group),
            km.n,
            km.events,
            km.median
                .map_or_else(|| "not reached".to_string(), |m| fixed(m, 1)),
            interval(median_ci, 1, 1.0)
        ));
        for l in &km.landmarks {
            let ci = if loglog { &l.ci_loglog } else { &l.ci_log };
            h.push_str(&format!(
                "<td>{} ({})</td>",
                l.surv
                    .map_or_else(|| "–".to_string(), |v| fixed(100.0 * v, 0)),
                interval(ci, 0, 100.0)
            ));
        }
        let fci = if loglog {
            &follow.ci_loglog
        } else {
            &follow.ci_log
        };
        h.push_str(&format!(
            "<td>{} ({})</td></tr>\n",
            follow
                .median
                .map_or_else(|| "–".to_string(), |m| fixed(m, 1)),
            interval(fci, 1, 1.0)
        ));
    }
    h.push_str("</tbody>\n</table>\n");

    let mut tests = Vec::new();
    if let Some(p) = s.logrank.as_ref().and_then(|l| l.p) {
        tests.push(format!("Log-rank P = {}", format_p(Some(p))));
    }
    let cox = s.cox.as_ref().and_then(|m| match c.cox_ties {
        Ties::Efron => m.efron.as_ref(),
        Ties::Breslow => m.breslow.as_ref(),
    });
    if let Some(cox) = cox {
        for t in &cox.coefficients {
            if let (Some(hr), Some(lo), Some(hi)) = (t.hr, t.hr_lower95, t.hr_upper95) {
                tests.push(format!(
                    "HR {} {} (95% CI {}–{}), Wald P = {} (Cox, {} ties)",
                    escape(&t.term),
                    fixed(hr, 2),
                    fixed(lo, 2),
                    fixed(hi, 2),
                    format_p(t.p_wald),
                    cox.ties
                ));
            }
        }
        for w in &cox.warnings {
            tests.push(format!("Cox model: {}", escape(w)));
        }
    }
    if let Some(strata) = &s.stratified_logrank {
        for st in strata {
            tests.push(format!(
                "log-rank stratified by {}: P = {}",
                escape(st.strata_column.as_deref().unwrap_or("")),
                format_p(st.p)
            ));
        }
    }
    h.push_str(&format!(
        "<p class=\"survival-tests\">{}. Times in {}; NR = not reached; landmarks beyond the last follow-up carry the last estimate. Follow-up by reverse Kaplan–Meier. Landmark times: {}.</p>\n",
        tests.join("; "),
        escape(&s.time_unit),
        landmarks
            .iter()
            .map(|l| format!("{} = {}", escape(&l.label), number(l.time)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    h
}

/// Every endpoint's summary.
pub fn survival_summary_html(report: &Report) -> String {
    report
        .survival
        .iter()
        .map(|s| endpoint_table(report, s))
        .collect()
}
