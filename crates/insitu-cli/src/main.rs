//! `insitu`: the command line over `insitu-core`.
//!
//! Exit codes: 0 success, 1 validation mismatch, 2 bad input or usage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod multicentre;
mod png;

use clap::{Parser, Subcommand, ValueEnum};
use insitu_core::options::Preset;
use insitu_core::render;
use insitu_core::validate::{compare, Comparison};
use insitu_core::{demo, Report, Spec};

#[derive(Parser)]
#[command(
    name = "insitu",
    version,
    about = "Table 1 and survival analyses of a clinical comparison study, on this computer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a data file as an analysis spec says.
    Analyze {
        /// Analysis spec (JSON). Not needed with --demo.
        spec: Option<PathBuf>,
        /// Data file (default: the spec's "csv", relative to the spec).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Output format (to stdout; docx is binary); ignored with --out.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Preset of conventions (replaces the spec's conventions).
        #[arg(long, value_enum)]
        preset: Option<PresetArg>,
        /// Write every format into this directory (JSON, HTML, CSV, Markdown, Word; figures as SVG and PNG at 300 dpi).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run the built-in demo (synthetic LFA vs M1 cohort).
        #[arg(long)]
        demo: bool,
    },
    /// Write a centre's aggregate summary (no patient rows) for pooling.
    Aggregate(multicentre::AggregateArgs),
    /// Merge centre summaries into pooled and centre-stratified analyses.
    Merge(multicentre::MergeArgs),
    /// Write a synthetic cohort (CSV) and its analysis spec.
    Synth {
        /// Patients.
        #[arg(long, default_value_t = 1000)]
        rows: u64,
        /// Seed of the random generator (same seed, same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output CSV file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare every statistic with R's reference values.
    Validate {
        /// Folder with datasets/NAME.spec.json and expected/NAME.json.
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Html,
    Csv,
    Md,
    Svg,
    Docx,
}

#[derive(Clone, Copy, ValueEnum)]
enum PresetArg {
    R,
    Spss,
    Sas,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<insitu_core::Error> for Failure {
    fn from(e: insitu_core::Error) -> Failure {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

fn bad_input(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Analyze {
            spec,
            csv,
            format,
            preset,
            out,
            demo,
        } => analyze(spec, csv, format, preset, out, demo),
        Command::Validate { dir } => validate(&dir),
        Command::Synth { rows, seed, out } => synth(rows, seed, out.as_deref()),
        Command::Aggregate(args) => {
            multicentre::aggregate(&args).map_err(|(code, message)| Failure { code, message })
        }
        Command::Merge(args) => {
            multicentre::merge(&args).map_err(|(code, message)| Failure { code, message })
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("insitu: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| bad_input(format!("{}: cannot read: {e}", path.display())))
}

fn load_spec(path: &Path) -> Result<Spec, Failure> {
    let bytes = read(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| bad_input(format!("{}: the spec is not UTF-8 text", path.display())))?;
    Ok(Spec::from_json(&text, &path.display().to_string())?)
}

/// Analyses a spec's data (or the demo) with an optional preset.
fn run_analysis(
    spec_path: Option<&Path>,
    csv: Option<&Path>,
    preset: Option<PresetArg>,
    demo: bool,
) -> Result<Report, Failure> {
    let (mut spec, bytes, name) = if demo && spec_path.is_none() {
        let spec = demo::demo_spec()?;
        match csv {
            Some(path) => (spec, read(path)?, path.display().to_string()),
            None => (
                spec,
                demo::DEMO_CSV.to_vec(),
                demo::DEMO_CSV_NAME.to_string(),
            ),
        }
    } else {
        let spec_path = spec_path.ok_or_else(|| {
            bad_input("give an analysis spec (insitu analyze SPEC.json) or --demo")
        })?;
        let spec = load_spec(spec_path)?;
        let data_path = match (csv, &spec.csv) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(name)) => spec_path
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join(name),
            (None, None) => {
                return Err(
                    insitu_core::analyze::no_data_file(&spec_path.display().to_string()).into(),
                )
            }
        };
        let bytes = read(&data_path)?;
        (spec, bytes, data_path.display().to_string())
    };
    if let Some(p) = preset {
        let conventions = insitu_core::options::ConventionOptions {
            preset: match p {
                PresetArg::R => Preset::R,
                PresetArg::Spss => Preset::Spss,
                PresetArg::Sas => Preset::Sas,
            },
            ..Default::default()
        };
        spec.options.set_conventions(&conventions);
    }
    // what insitu_core::analyze does, with the file's bytes let go once
    // read (at 10⁷ rows, 520 MB less during the analysis)
    spec.check().map_err(|e| e.in_file(&name))?;
    let table = insitu_core::ingest::read_any(&bytes, &name, &spec.options.read_options())?;
    drop(bytes);
    Ok(insitu_core::analyze_table(&table, &spec)?)
}

fn analyze(
    spec: Option<PathBuf>,
    csv: Option<PathBuf>,
    format: Format,
    preset: Option<PresetArg>,
    out: Option<PathBuf>,
    demo: bool,
) -> Result<u8, Failure> {
    let report = run_analysis(spec.as_deref(), csv.as_deref(), preset, demo)?;
    for w in &report.warnings {
        eprintln!("insitu: note: {w}");
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir)
            .map_err(|e| bad_input(format!("{}: cannot create: {e}", dir.display())))?;
        let stem = report
            .dataset
            .clone()
            .unwrap_or_else(|| "report".to_string());
        let mut files: Vec<(String, String)> = vec![
            (format!("{stem}.json"), render::json(&report)),
            (format!("{stem}.table1.html"), render::html_page(&report)),
            (format!("{stem}.table1.csv"), render::csv(&report.table1)),
            (
                format!("{stem}.table1.md"),
                render::markdown(&report.table1),
            ),
        ];
        let mut binaries: Vec<(String, Vec<u8>)> = vec![(
            format!("{stem}.table1.docx"),
            render::table1_docx(&report.table1).map_err(bad_input)?,
        )];
        for (k, s) in report.survival.iter().enumerate() {
            let name = render::file_stem(&s.endpoint, k);
            let svg = render::km_svg(&report, k, &render::SvgOptions::default());
            binaries.push((
                format!("{stem}.km.{name}.png"),
                png::svg_to_png(&svg, png::DPI).map_err(bad_input)?,
            ));
            files.push((format!("{stem}.km.{name}.svg"), svg));
        }
        let all = files
            .iter()
            .map(|(name, text)| (name, text.as_bytes()))
            .chain(
                binaries
                    .iter()
                    .map(|(name, bytes)| (name, bytes.as_slice())),
            );
        for (name, bytes) in all {
            let path = dir.join(name);
            std::fs::write(&path, bytes)
                .map_err(|e| bad_input(format!("{}: cannot write: {e}", path.display())))?;
            println!("{}", path.display());
        }
        return Ok(0);
    }
    if let Format::Docx = format {
        let docx = render::table1_docx(&report.table1).map_err(bad_input)?;
        let _ = std::io::stdout().lock().write_all(&docx);
        return Ok(0);
    }
    let text = match format {
        Format::Docx => unreachable!("written above"),
        Format::Json => render::json(&report),
        Format::Html => render::html_page(&report),
        Format::Csv => render::csv(&report.table1),
        Format::Md => render::markdown(&report.table1),
        Format::Svg => {
            if report.survival.is_empty() {
                return Err(bad_input("the spec has no endpoint, so there is no figure"));
            }
            report
                .survival
                .iter()
                .enumerate()
                .map(|(k, _)| render::km_svg(&report, k, &render::SvgOptions::default()))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
    Ok(0)
}

fn synth(rows: u64, seed: u64, out: Option<&Path>) -> Result<u8, Failure> {
    let write_error = |e: std::io::Error| bad_input(format!("cannot write the cohort: {e}"));
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| bad_input(format!("{}: cannot create: {e}", path.display())))?;
            let mut writer = std::io::BufWriter::new(file);
            insitu_core::synth::write_csv(&mut writer, rows, seed).map_err(write_error)?;
            writer.flush().map_err(write_error)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let spec_path = path.with_extension("spec.json");
            std::fs::write(&spec_path, insitu_core::synth::spec_json(&name))
                .map_err(|e| bad_input(format!("{}: cannot write: {e}", spec_path.display())))?;
            eprintln!("wrote {} and {}", path.display(), spec_path.display());
        }
        None => {
            let mut writer = std::io::BufWriter::new(std::io::stdout().lock());
            insitu_core::synth::write_csv(&mut writer, rows, seed).map_err(write_error)?;
            writer.flush().map_err(write_error)?;
        }
    }
    Ok(0)
}

fn validate(dir: &Path) -> Result<u8, Failure> {
    let datasets = dir.join("datasets");
    let mut names: Vec<String> = std::fs::read_dir(&datasets)
        .map_err(|e| bad_input(format!("{}: cannot read: {e}", datasets.display())))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".spec.json"))
                .map(str::to_string)
        })
        .filter(|name| dir.join("expected").join(format!("{name}.json")).exists())
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(bad_input(format!(
            "{}: no datasets/NAME.spec.json with expected/NAME.json",
            dir.display()
        )));
    }
    let mut total = Comparison::default();
    let mut failed = false;
    for name in &names {
        let spec_path = datasets.join(format!("{name}.spec.json"));
        let expected_path = dir.join("expected").join(format!("{name}.json"));
        let report = match run_analysis(Some(&spec_path), None, None, false) {
            Ok(r) => r,
            Err(f) => {
                println!("{name}: cannot be analysed: {}", f.message);
                failed = true;
                continue;
            }
        };
        let expected: serde_json::Value = match serde_json::from_slice(&read(&expected_path)?) {
            Ok(v) => v,
            Err(e) => {
                println!("{name}: {}: not JSON: {e}", expected_path.display());
                failed = true;
                continue;
            }
        };
        let actual = serde_json::to_value(&report)
            .map_err(|e| bad_input(format!("{name}: report not serialisable: {e}")))?;
        let c = compare(&expected, &actual);
        let pending = if c.pending > 0 {
            format!(", {} pending", c.pending)
        } else {
            String::new()
        };
        println!(
            "{name}: validated {} values, {} mismatches{pending}",
            c.validated,
            c.mismatches.len()
        );
        for m in c.mismatches.iter().take(20) {
            let actual = m
                .actual
                .map_or_else(|| "none".to_string(), |a| format!("{a:e}"));
            println!(
                "  mismatch {}: expected {:e}, actual {actual}",
                m.path, m.expected
            );
        }
        for x in &c.extra {
            println!(
                "  computed where R gives none (not counted): {} = {:e}",
                x.path, x.actual
            );
        }
        total.validated += c.validated;
        total.pending += c.pending;
        total.mismatches.extend(c.mismatches);
    }
    let pending = if total.pending > 0 {
        format!(", {} pending", total.pending)
    } else {
        String::new()
    };
    println!(
        "validated {} values, {} mismatches{pending}",
        total.validated,
        total.mismatches.len()
    );
    Ok(if failed || !total.mismatches.is_empty() {
        1
    } else {
        0
    })
}
