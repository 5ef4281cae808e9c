//! The multicentre part of a merged report as HTML, for the page that
//! [`crate::render::html_page`] makes of the pooled report: warnings (every
//! approximation and omission), centres, and the tests stratified by
//! centre. Presentation only; every number comes from the
//! [`MergedReport`].

use super::merge::MergedReport;
use crate::render::escape;
use crate::table1::{fixed, format_p, number};

/// The section as an HTML fragment.
pub fn multicentre_html(merged: &MergedReport) -> String {
    let m = &merged.multicentre;
    let mut h = String::from("<section class=\"multicentre\">\n<h2>Multicentre summary</h2>\n");
    h.push_str("<h3>Read this first</h3>\n<ul class=\"warnings\">\n");
    for w in &merged.report.warnings {
        h.push_str(&format!("<li>{}</li>\n", escape(w)));
    }
    h.push_str("</ul>\n<h3>Centres</h3>\n<table class=\"centres\">\n<thead><tr><th scope=\"col\">Centre</th><th scope=\"col\">File</th><th scope=\"col\">Patients per group</th><th scope=\"col\">Disclosure control</th></tr></thead>\n<tbody>\n");
    for c in &m.centres {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>smallest cell {}, {}</td></tr>\n",
            escape(&c.centre),
            escape(&c.file),
            escape(
                &c.groups
                    .iter()
                    .map(|g| format!(
                        "{} {}",
                        g.label,
                        g.n.map_or_else(|| "withheld".to_string(), |n| n.to_string())
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            c.min_cell,
            c.small_cells.name()
        ));
    }
    h.push_str("</tbody>\n</table>\n");

    h.push_str("<h3>Tests stratified by centre</h3>\n<table class=\"stratified\">\n<thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Test</th><th scope=\"col\">Statistic</th><th scope=\"col\">df</th><th scope=\"col\">P</th></tr></thead>\n<tbody>\n");
    let row = |h: &mut String,
               name: &str,
               test: &str,
               stat: Option<f64>,
               df: Option<usize>,
               p: Option<f64>| {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(name),
            escape(test),
            stat.map_or_else(|| "–".to_string(), |s| fixed(s, 3)),
            df.map_or_else(|| "–".to_string(), |d| d.to_string()),
            format_p(p)
        ));
    };
    for c in &m.categorical {
        match &c.cmh {
            Some(r) => row(
                &mut h,
                &c.variable,
                &r.method,
                Some(r.statistic),
                Some(r.df),
                Some(r.p),
            ),
            None => row(
                &mut h,
                &c.variable,
                c.cmh_note.as_deref().unwrap_or("no CMH test"),
                None,
                None,
                None,
            ),
        }
    }
    for c in &m.continuous {
        match &c.van_elteren {
            Some(r) => row(
                &mut h,
                &c.variable,
                "van Elteren",
                Some(r.statistic),
                Some(r.df),
                Some(r.p),
            ),
            None => row(
                &mut h,
                &c.variable,
                c.van_elteren_note
                    .as_deref()
                    .unwrap_or("no van Elteren test"),
                None,
                None,
                None,
            ),
        }
    }
    for s in &m.survival {
        match &s.stratified_by_centre {
            Some(r) => row(
                &mut h,
                &s.endpoint,
                "log-rank stratified by centre (exact times)",
                r.chisq,
                Some(r.df),
                r.p,
            ),
            None => row(
                &mut h,
                &s.endpoint,
                s.note.as_deref().unwrap_or("no stratified log-rank test"),
                None,
                None,
                None,
            ),
        }
    }
    h.push_str("</tbody>\n</table>\n");

    let bounded: Vec<_> = m
        .continuous
        .iter()
        .filter(|c| !c.quartiles.is_empty())
        .collect();
    if !bounded.is_empty() {
        h.push_str("<h3>Approximate quartiles and their bounds</h3>\n<table class=\"quartile-bounds\">\n<thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Group</th><th scope=\"col\">Median (exact value between)</th><th scope=\"col\">Q1 (between)</th><th scope=\"col\">Q3 (between)</th></tr></thead>\n<tbody>\n");
        for c in bounded {
            for q in &c.quartiles {
                let cell = |b: &super::histogram::BoundedQuantile| {
                    format!(
                        "≈{} ({}–{})",
                        number(b.estimate),
                        number(b.lower),
                        number(b.upper)
                    )
                };
                h.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    escape(&c.variable),
                    escape(&q.group),
                    escape(&cell(&q.median)),
                    escape(&cell(&q.q1)),
                    escape(&cell(&q.q3))
                ));
            }
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
    h
}

/// The standalone page of a merged report: the pooled report's page with
/// the multicentre section before the end of the body.
pub fn merged_html_page(merged: &MergedReport) -> String {
    let page = crate::render::html_page(&merged.report);
    let section = multicentre_html(merged);
    match page.rfind("</body>") {
        Some(at) => format!("{}{}{}", &page[..at], section, &page[at..]),
        None => page + &section,
    }
}
