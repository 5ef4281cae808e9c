//! `insitu aggregate` and `insitu merge` (being written).

use std::path::PathBuf;

/// Arguments of `insitu aggregate`.
#[derive(clap::Args)]
pub struct AggregateArgs {
    /// Analysis spec (JSON).
    pub spec: PathBuf,
}

/// Arguments of `insitu merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// Centre summary files.
    pub files: Vec<PathBuf>,
}

/// Runs `insitu aggregate`; `Err((exit code, message))` on failure.
pub fn aggregate(_args: &AggregateArgs) -> Result<u8, (u8, String)> {
    Err((2, "insitu aggregate is not available yet".to_string()))
}

/// Runs `insitu merge`; `Err((exit code, message))` on failure.
pub fn merge(_args: &MergeArgs) -> Result<u8, (u8, String)> {
    Err((2, "insitu merge is not available yet".to_string()))
}
