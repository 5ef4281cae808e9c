//! Multicentre analysis without sharing patient rows.
//!
//! Each centre runs [`aggregate::aggregate`] on its own data and sends the
//! coordinating centre a small JSON file of counts and sums, after
//! disclosure control ([`disclosure`]); the coordinator runs
//! [`merge::merge`] on the files and gets an ordinary [`crate::Report`]
//! (so every renderer works) plus the stratified-by-centre analyses.
//!
//! What is exact and what is not (documented in `docs/multicentre.md`):
//! * exact: counts, percentages, χ² and Fisher tests of pooled counts,
//!   means and SDs (double-double sums, [`moments`]), t tests and ANOVA,
//!   the Cochran–Mantel–Haenszel test ([`cmh`]), van Elteren's test
//!   ([`van_elteren`]), the log-rank test stratified by centre (each centre
//!   sends its O, E and V on its exact times);
//! * exact for the times grouped to the declared grid ([`grid`]): pooled
//!   Kaplan–Meier curves, intervals, medians, landmarks, the risk table,
//!   reverse Kaplan–Meier follow-up, log-rank, Peto & Peto and Cox;
//! * approximate, and labelled so in every output: medians and quartiles
//!   of continuous variables, from pooled histograms with a guaranteed
//!   bound ([`histogram`]), and the Mann–Whitney and Kruskal–Wallis tests,
//!   computed on the values grouped to the histogram bins.

pub mod aggregate;
pub mod audit;
mod centre_data;
pub mod cmh;
pub mod disclosure;
pub mod grid;
mod hash;
pub mod histogram;
pub mod html;
pub mod merge;
pub mod moments;
mod pooled;
pub mod van_elteren;

pub use aggregate::{aggregate, spec_hash, AggregateFile, AggregateOptions};
pub use audit::audit;
pub use disclosure::SmallCells;
pub use merge::{merge, MergeOptions, MergedReport};
