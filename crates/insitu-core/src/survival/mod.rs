//! Survival analysis: Kaplan–Meier, quantiles and landmarks, log-rank family,
//! Cox proportional hazards — each in its own file, each checked against R's
//! `survival` package (3.5.3).

pub mod cox;
pub mod data;
pub mod km;
pub mod logrank;
pub mod quantile;

pub use data::{EventTable, GroupedRiskSets, SurvivalData};
