//! Statistics for Table 1: descriptive summaries and the two-group and
//! k-group tests, one file per test, each compared with R.

pub mod anova;
pub mod chisq;
pub mod contingency;
pub mod descriptive;
pub mod dist;
pub mod fisher;
pub mod fisher_rxc;
pub mod keymap;
pub mod kruskal;
pub mod linalg;
pub mod order;
pub mod prec;
pub mod quantile;
pub mod ranks;
pub mod rng;
pub mod ttest;
pub mod wilcoxon;
