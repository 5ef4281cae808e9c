//! `insitu aggregate` and `insitu merge`: a centre's summary file, and the
//! coordinating centre's pooled report. Thin glue over
//! `insitu_core::multicentre`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use insitu_core::multicentre::{
    self, aggregate::AggregateFile, html, AggregateOptions, MergeOptions, SmallCells,
};
use insitu_core::{render, Spec};

/// Arguments of `insitu aggregate`.
#[derive(clap::Args)]
pub struct AggregateArgs {
    /// Analysis spec (JSON): the same file at every centre.
    pub spec: PathBuf,
    /// This centre's data file (default: the spec's "csv", relative to the spec).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Name of this centre, as the merged report will show it.
    #[arg(long)]
    pub centre: String,
    /// Aggregate file to write (JSON). Without it, --audit only shows what
    /// would be written.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Smallest count written (k, at least 3).
    #[arg(long, default_value_t = multicentre::disclosure::DEFAULT_MIN_CELL)]
    pub min_cell: u64,
    /// What to do with counts below k: merge neighbouring levels and bins,
    /// withhold, or keep them (data agreement only).
    #[arg(long, value_enum, default_value_t = SmallCellsArg::Coarsen)]
    pub small_cells: SmallCellsArg,
    /// Time grid of the endpoints in their time unit: STEP for all, or
    /// ENDPOINT=STEP (repeatable). Default 1.
    #[arg(long, value_name = "STEP")]
    pub grid: Vec<String>,
    /// Histogram bin width of continuous variables: WIDTH for all, or
    /// VARIABLE=WIDTH (repeatable). Default 1.
    #[arg(long, value_name = "WIDTH")]
    pub bin: Vec<String>,
    /// Print, in plain words, every number the file contains.
    #[arg(long)]
    pub audit: bool,
}

/// Policy for small cells.
#[derive(Clone, Copy, ValueEnum)]
pub enum SmallCellsArg {
    /// Merge neighbouring levels and bins; withhold what cannot be merged.
    Coarsen,
    /// Withhold every variable, histogram or endpoint with a small count.
    Suppress,
    /// Write every count (sharing under a data agreement only).
    Keep,
}

/// Arguments of `insitu merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// Centre aggregate files (from insitu aggregate).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format (to standard output).
    #[arg(long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Add a column per centre and group to Table 1.
    #[arg(long)]
    pub by_centre: bool,
}

/// Output of `insitu merge`.
#[derive(Clone, Copy, ValueEnum)]
pub enum MergeFormat {
    /// The merged report (the analyze report plus "multicentre").
    Json,
    /// Table 1, figures and the multicentre section as a web page.
    Html,
    /// Table 1 as CSV.
    Csv,
    /// Table 1 as Markdown.
    Md,
}

fn bad(message: impl Into<String>) -> (u8, String) {
    (2, message.into())
}

fn read(path: &Path) -> Result<Vec<u8>, (u8, String)> {
    std::fs::read(path).map_err(|e| bad(format!("{}: cannot read: {e}", path.display())))
}

/// `STEP` or `NAME=STEP` options into a default and per-name values.
fn steps(
    values: &[String],
    flag: &str,
    default: f64,
) -> Result<(f64, BTreeMap<String, f64>), (u8, String)> {
    let mut all = default;
    let mut named = BTreeMap::new();
    for v in values {
        let (name, number) = match v.split_once('=') {
            Some((name, number)) => (Some(name.trim()), number),
            None => (None, v.as_str()),
        };
        let step: f64 = number
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x > 0.0)
            .ok_or_else(|| bad(format!("{flag} {v}: the step must be a positive number")))?;
        match name {
            Some(name) => {
                named.insert(name.to_string(), step);
            }
            None => all = step,
        }
    }
    Ok((all, named))
}

/// Runs `insitu aggregate`; `Err((exit code, message))` on failure.
pub fn aggregate(args: &AggregateArgs) -> Result<u8, (u8, String)> {
    if args.out.is_none() && !args.audit {
        return Err(bad(
            "give --out FILE.json to write the summary (and --audit to see every number it holds)",
        ));
    }
    let spec_text = String::from_utf8(read(&args.spec)?).map_err(|_| {
        bad(format!(
            "{}: the spec is not UTF-8 text",
            args.spec.display()
        ))
    })?;
    let spec = Spec::from_json(&spec_text, &args.spec.display().to_string())
        .map_err(|e| bad(e.to_string()))?;
    let data_path = match (&args.csv, &spec.csv) {
        (Some(path), _) => path.clone(),
        (None, Some(name)) => args
            .spec
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(name),
        (None, None) => {
            return Err(bad(insitu_core::analyze::no_data_file(
                &args.spec.display().to_string(),
            )
            .to_string()))
        }
    };
    let bytes = read(&data_path)?;
    let table = insitu_core::ingest::read_table(
        &bytes,
        &data_path.display().to_string(),
        &spec.options.read_options(),
    )
    .map_err(|e| bad(e.to_string()))?;
    let (time_step, time_steps) = steps(&args.grid, "--grid", 1.0)?;
    let (bin_width, bin_widths) = steps(&args.bin, "--bin", 1.0)?;
    let options = AggregateOptions {
        centre: args.centre.clone(),
        min_cell: args.min_cell,
        small_cells: match args.small_cells {
            SmallCellsArg::Coarsen => SmallCells::Coarsen,
            SmallCellsArg::Suppress => SmallCells::Suppress,
            SmallCellsArg::Keep => SmallCells::Keep,
        },
        time_step,
        time_steps,
        bin_width,
        bin_widths,
    };
    let file = multicentre::aggregate(&table, &spec, &options).map_err(|e| bad(e.to_string()))?;
    if args.audit {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(multicentre::audit(&file).as_bytes());
    }
    if let Some(out) = &args.out {
        let mut text = file.to_json();
        text.push('\n');
        std::fs::write(out, text)
            .map_err(|e| bad(format!("{}: cannot write: {e}", out.display())))?;
        eprintln!(
            "insitu: wrote {} (centre {}, policy {}, smallest cell {})",
            out.display(),
            file.centre,
            file.disclosure.small_cells.name(),
            file.disclosure.min_cell
        );
    }
    Ok(0)
}

/// Runs `insitu merge`; `Err((exit code, message))` on failure.
pub fn merge(args: &MergeArgs) -> Result<u8, (u8, String)> {
    let mut files = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let text = String::from_utf8(read(path)?)
            .map_err(|_| bad(format!("{name}: not UTF-8 text, not an aggregate file")))?;
        let file = AggregateFile::from_json(&text, &name).map_err(|e| bad(e.to_string()))?;
        files.push((name, file));
    }
    let merged = multicentre::merge(
        &files,
        &MergeOptions {
            by_centre: args.by_centre,
        },
    )
    .map_err(|e| bad(e.to_string()))?;
    for w in &merged.report.warnings {
        eprintln!("insitu: note: {w}");
    }
    let text = match args.format {
        MergeFormat::Json => serde_json::to_string_pretty(&merged)
            .map_err(|e| bad(format!("the merged report cannot be written: {e}")))?,
        MergeFormat::Html => html::merged_html_page(&merged),
        MergeFormat::Csv => render::csv(&merged.report.table1),
        MergeFormat::Md => render::markdown(&merged.report.table1),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
    Ok(0)
}
