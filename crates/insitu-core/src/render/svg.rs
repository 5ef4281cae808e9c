//! Kaplan–Meier figure as a standalone SVG: step curves per group, censor
//! marks, optional pointwise confidence bands, the number-at-risk table
//! aligned under the x-axis ticks, the log-rank P and the time axis in the
//! endpoint's unit. Colours are the Okabe–Ito palette (colour-blind safe),
//! and groups after the first also differ by dash pattern, so the figure
//! survives greyscale printing.

use crate::options::CiType;
use crate::report::{KmTable, Report, SurvivalResult};
use crate::table1::{format_p, number};

use super::escape;

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgOptions {
    /// Shaded pointwise confidence bands.
    pub ci_bands: bool,
    /// `+`-style marks at censoring times.
    pub censor_marks: bool,
    /// The number-at-risk table under the axis.
    pub risk_table: bool,
    /// Interval type of the bands; `None` = the report's convention.
    pub ci: Option<CiType>,
}

impl Default for SvgOptions {
    fn default() -> SvgOptions {
        SvgOptions {
            ci_bands: true,
            censor_marks: true,
            risk_table: true,
            ci: None,
        }
    }
}

const COLOURS: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
const DASHES: [&str; 6] = ["", "6 3", "2 2", "8 3 2 3", "4 4", "1 3"];

const WIDTH: f64 = 760.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 44.0;
const PLOT_HEIGHT: f64 = 300.0;
const ROW: f64 = 18.0;
/// The most ticks on the time axis (a 586-pixel axis: 29 pixels a label).
/// With more risk-table columns, every 2nd, 5th, 10th, … column gets a tick
/// and shows its numbers at risk.
const MAX_TICKS: f64 = 20.0;

/// Every how many risk-table columns a tick goes, for `columns` steps of
/// the axis: 1, 2, 5, 10, 20, … (as a float: a report read from JSON may
/// hold any step).
fn tick_every(columns: f64) -> f64 {
    let mut every = 1.0;
    while columns / every > MAX_TICKS && every.is_finite() {
        for m in [2.0, 5.0, 10.0] {
            if columns / (every * m) <= MAX_TICKS {
                return every * m;
            }
        }
        every *= 10.0;
    }
    every
}

fn f(x: f64) -> String {
    // two decimals are ample for screen and print coordinates
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Step path through (time, value) points, starting at (0, start).
fn step_points(time: &[f64], values: &[Option<f64>], start: f64) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut current = vec![(0.0, start)];
    let mut last = Some(start);
    for (&t, &v) in time.iter().zip(values) {
        match (last, v) {
            (Some(l), Some(v)) => {
                current.push((t, l));
                current.push((t, v));
            }
            (Some(l), None) => {
                current.push((t, l));
                pieces.push(std::mem::take(&mut current));
            }
            (None, Some(v)) => current.push((t, v)),
            (None, None) => {}
        }
        last = v;
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

fn band(table: &KmTable, ci: CiType) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let (lower, upper) = match ci {
        CiType::Log => (&table.lower_log, &table.upper_log),
        CiType::LogLog => (&table.lower_loglog, &table.upper_loglog),
    };
    // Where the log-log interval is undefined because S = 1, the band is
    // the point itself; where S = 0 it ends.
    let fill = |limits: &Vec<Option<f64>>| {
        limits
            .iter()
            .zip(&table.surv)
            .map(|(l, &s)| l.or((s == 1.0).then_some(1.0)))
            .collect()
    };
    (fill(lower), fill(upper))
}

/// The Kaplan–Meier figure of endpoint `index` of the report.
pub fn km_svg(report: &Report, index: usize, options: &SvgOptions) -> String {
    let Some(s) = report.survival.get(index) else {
        return String::new();
    };
    let ci = options.ci.unwrap_or(report.conventions.resolved.km_ci);
    draw(s, ci, options)
}

fn draw(s: &SurvivalResult, ci: CiType, options: &SvgOptions) -> String {
    let groups = s.km.len();
    let by = if s.risk_table.by > 0.0 {
        s.risk_table.by
    } else {
        1.0
    };
    let max_time =
        s.km.iter()
            .filter_map(|k| k.table.time.last().copied())
            .fold(0.0, f64::max);
    let every = tick_every(max_time / by);
    let tick = by * every;
    let n_ticks = if tick.is_finite() {
        (max_time / tick).ceil().clamp(1.0, MAX_TICKS + 1.0) as usize
    } else {
        1
    };
    let tick = if tick.is_finite() {
        tick
    } else {
        max_time.max(1.0)
    };
    let x_max = n_ticks as f64 * tick;
    let plot_width = WIDTH - LEFT - RIGHT;
    let x = |t: f64| LEFT + t / x_max * plot_width;
    let y = |v: f64| TOP + (1.0 - v) * PLOT_HEIGHT;
    let axis_bottom = TOP + PLOT_HEIGHT;
    let risk_top = axis_bottom + 56.0;
    let height = if options.risk_table {
        risk_top + ROW * (groups as f64 + 1.0) + 10.0
    } else {
        axis_bottom + 52.0
    };

    let mut o = String::new();
    o.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"km-plot\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"Arial, Helvetica, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"Kaplan–Meier curves of {}\">\n",
        f(WIDTH), f(height), f(WIDTH), f(height), escape(&s.endpoint)
    ));
    o.push_str(&format!(
        "<title>Kaplan–Meier estimate of {} by group</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
        escape(&s.endpoint)
    ));
    o.push_str(&format!(
        "<text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        f(LEFT),
        escape(&s.endpoint)
    ));

    // axes and grid
    o.push_str("<g class=\"axes\" stroke=\"#000\" stroke-width=\"1\">\n");
    o.push_str(&format!(
        "<line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\"/><line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/>\n",
        l = f(LEFT),
        t = f(TOP),
        b = f(axis_bottom),
        r = f(LEFT + plot_width)
    ));
    for k in 0..=5 {
        let v = k as f64 / 5.0;
        o.push_str(&format!(
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>",
            f(LEFT - 5.0),
            f(LEFT),
            y = f(y(v))
        ));
    }
    for k in 0..=n_ticks {
        let t = k as f64 * tick;
        o.push_str(&format!(
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>",
            f(axis_bottom),
            f(axis_bottom + 5.0),
            x = f(x(t))
        ));
    }
    o.push_str("\n</g>\n<g class=\"tick-labels\" fill=\"#000\">\n");
    for k in 0..=5 {
        let v = k as f64 / 5.0;
        o.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.1}</text>",
            f(LEFT - 8.0),
            f(y(v) + 4.0),
            v
        ));
    }
    for k in 0..=n_ticks {
        let t = k as f64 * tick;
        o.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            f(x(t)),
            f(axis_bottom + 19.0),
            number(t)
        ));
    }
    o.push_str("\n</g>\n");
    o.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">Time ({})</text>\n",
        f(LEFT + plot_width / 2.0),
        f(axis_bottom + 38.0),
        escape(&s.time_unit)
    ));
    o.push_str(&format!(
        "<text transform=\"translate({} {}) rotate(-90)\" text-anchor=\"middle\">Survival probability</text>\n",
        f(LEFT - 44.0),
        f(TOP + PLOT_HEIGHT / 2.0)
    ));

    // bands, curves, censor marks
    for (g, km) in s.km.iter().enumerate() {
        let colour = COLOURS[g % COLOURS.len()];
        if options.ci_bands && !km.table.time.is_empty() {
            let (lower, upper) = band(&km.table, ci);
            let lows = step_points(&km.table.time, &lower, 1.0);
            let ups = step_points(&km.table.time, &upper, 1.0);
            for (low, up) in lows.iter().zip(&ups) {
                let mut points: Vec<String> = up
                    .iter()
                    .map(|&(t, v)| format!("{},{}", f(x(t)), f(y(v))))
                    .collect();
                points.extend(
                    low.iter()
                        .rev()
                        .map(|&(t, v)| format!("{},{}", f(x(t)), f(y(v)))),
                );
                o.push_str(&format!(
                    "<polygon class=\"ci-band\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\" points=\"{}\"/>\n",
                    points.join(" ")
                ));
            }
        }
        let surv: Vec<Option<f64>> = km.table.surv.iter().map(|&v| Some(v)).collect();
        let mut points = step_points(&km.table.time, &surv, 1.0)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        if points.is_empty() {
            points.push((0.0, 1.0));
        }
        let d: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(k, &(t, v))| {
                format!("{}{},{}", if k == 0 { "M" } else { "L" }, f(x(t)), f(y(v)))
            })
            .collect();
        let dash = DASHES[g % DASHES.len()];
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        o.push_str(&format!(
            "<path class=\"km-curve\" data-group=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash_attr} d=\"{}\"/>\n",
            escape(&km.group),
            d.join("")
        ));
        if options.censor_marks {
            let mut marks = String::new();
            for k in 0..km.table.time.len() {
                if km.table.n_censor[k] > 0 {
                    let (cx, cy) = (x(km.table.time[k]), y(km.table.surv[k]));
                    marks.push_str(&format!(
                        "M{},{}v8M{},{}h8",
                        f(cx),
                        f(cy - 4.0),
                        f(cx - 4.0),
                        f(cy)
                    ));
                }
            }
            if !marks.is_empty() {
                o.push_str(&format!(
                    "<path class=\"censor-marks\" stroke=\"{colour}\" stroke-width=\"1.3\" d=\"{marks}\"/>\n"
                ));
            }
        }
    }

    // legend
    for (g, km) in s.km.iter().enumerate() {
        let colour = COLOURS[g % COLOURS.len()];
        let dash = DASHES[g % DASHES.len()];
        let ly = TOP + 14.0 + g as f64 * ROW;
        let lx = LEFT + plot_width - 190.0;
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        o.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\"{dash_attr}/><text x=\"{}\" y=\"{}\">{} (n = {}, {} events)</text>\n",
            f(lx), f(ly - 4.0), f(lx + 26.0), f(ly - 4.0), f(lx + 32.0), f(ly), escape(&km.group), km.n, km.events
        ));
    }
    if let Some(p) = s.logrank.as_ref().and_then(|l| l.p) {
        let shown = format_p(Some(p));
        let text = if shown.starts_with('<') {
            format!("Log-rank P {shown}")
        } else {
            format!("Log-rank P = {shown}")
        };
        o.push_str(&format!(
            "<text class=\"logrank\" x=\"{}\" y=\"{}\">{}</text>\n",
            f(LEFT + 10.0),
            f(axis_bottom - 12.0),
            // "<0.001": a bare "<" makes the file invalid XML
            escape(&text)
        ));
    }

    // number at risk
    if options.risk_table {
        o.push_str(&format!(
            "<g class=\"risk-table\">\n<text x=\"8\" y=\"{}\" font-weight=\"bold\">Number at risk</text>\n",
            f(risk_top)
        ));
        for (g, row) in s.risk_table.by_group.iter().enumerate() {
            let ry = risk_top + ROW * (g as f64 + 1.0);
            o.push_str(&format!(
                "<text x=\"8\" y=\"{}\" fill=\"{}\">{}</text>",
                f(ry),
                COLOURS[g % COLOURS.len()],
                escape(&row.group)
            ));
            for (k, &t) in s.risk_table.times.iter().enumerate() {
                let Some(n_risk) = row.n_risk.get(k).filter(|_| (k as f64) % every == 0.0) else {
                    continue;
                };
                o.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    f(x(t)),
                    f(ry),
                    n_risk
                ));
            }
            o.push('\n');
        }
        o.push_str("</g>\n");
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_across_then_down() {
        let pieces = step_points(&[1.0, 2.0], &[Some(0.5), Some(0.25)], 1.0);
        assert_eq!(
            pieces,
            vec![vec![
                (0.0, 1.0),
                (1.0, 1.0),
                (1.0, 0.5),
                (2.0, 0.5),
                (2.0, 0.25)
            ]]
        );
    }

    #[test]
    fn a_band_ends_where_its_limits_are_undefined() {
        let pieces = step_points(&[1.0, 2.0, 3.0], &[Some(0.5), None, None], 1.0);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].last(), Some(&(2.0, 0.5)));
    }
}
