//! Conventions: every choice where R, SPSS and SAS differ, as an explicit
//! option with a documented default.
//!
//! A [`Preset`] fills all of them the way one program does; each can then be
//! overridden on its own. The resolved [`Conventions`] travel with the report,
//! and the footnote of Table 1 states them.

use serde::{Deserialize, Serialize};

/// A set of defaults that imitates one statistics program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// R 4.x: `quantile()` type 7, `wilcox.test()` default, `survfit()` log
    /// CI, `coxph()` Efron ties.
    #[default]
    R,
    /// SPSS: quartiles type 6 (HAVERAGE), Mann–Whitney normal approximation
    /// without continuity correction, log CI, Breslow ties (COXREG).
    Spss,
    /// SAS: quartiles type 2 (PCTLDEF=5), Wilcoxon normal approximation with
    /// continuity correction (NPAR1WAY), log-log CI (LIFETEST), Breslow ties
    /// (PHREG).
    Sas,
}

/// Sample quantile definition (Hyndman & Fan 1996, R's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuantileType {
    /// Inverse of the empirical CDF with averaging at discontinuities
    /// (SAS PCTLDEF=5).
    #[serde(rename = "type2")]
    Type2,
    /// p(n + 1) interpolation (SPSS, Minitab).
    #[serde(rename = "type6")]
    Type6,
    /// 1 + p(n − 1) interpolation (R default, Excel QUARTILE.INC).
    #[serde(rename = "type7")]
    Type7,
}

impl QuantileType {
    /// The R name of the definition.
    pub fn describe(self) -> &'static str {
        match self {
            QuantileType::Type2 => "quartiles by R type 2 (SAS definition 5)",
            QuantileType::Type6 => "quartiles by R type 6 (SPSS)",
            QuantileType::Type7 => "quartiles by R type 7 (R and Excel default)",
        }
    }
}

/// How the Mann–Whitney P value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WilcoxonMethod {
    /// As `wilcox.test()`: exact when there are no ties and both groups have
    /// fewer than 50 values, otherwise normal with continuity correction.
    RDefault,
    /// Normal approximation, tie-corrected variance, continuity correction.
    NormalCc,
    /// Normal approximation, tie-corrected variance, no continuity correction.
    Normal,
}

impl WilcoxonMethod {
    /// Plain-words description for footnotes.
    pub fn describe(self) -> &'static str {
        match self {
            WilcoxonMethod::RDefault => {
                "exact when no ties and both n < 50, otherwise normal approximation with continuity correction"
            }
            WilcoxonMethod::NormalCc => "normal approximation with continuity correction",
            WilcoxonMethod::Normal => "normal approximation without continuity correction",
        }
    }
}

/// Pointwise confidence interval of a Kaplan–Meier curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CiType {
    /// exp(log S ± z·se), upper limit capped at 1 (R's default).
    #[serde(rename = "log")]
    Log,
    /// S^exp(±z·se / log S) (SAS's default).
    #[serde(rename = "log-log")]
    LogLog,
}

impl CiType {
    /// Plain-words description for footnotes.
    pub fn describe(self) -> &'static str {
        match self {
            CiType::Log => "95% CI on the log scale (Greenwood variance)",
            CiType::LogLog => "95% CI on the log-log scale (Greenwood variance)",
        }
    }
}

/// Handling of tied event times in the Cox model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Efron's approximation (R's default).
    Efron,
    /// Breslow's approximation (SAS and SPSS default).
    Breslow,
}

/// The test shown for categorical rows of Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoricalTest {
    /// Pearson χ² without continuity correction.
    Chisq,
    /// Pearson χ² with Yates' correction for 2 × 2 tables (plain χ² otherwise).
    Yates,
    /// Fisher's exact test, two-sided.
    Fisher,
}

/// The test shown for continuous rows of Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinuousTest {
    /// Mann–Whitney U with two groups, Kruskal–Wallis with more.
    Rank,
    /// Welch's t test with two groups, Welch's ANOVA with more.
    Welch,
    /// Student's t test with two groups, one-way ANOVA with more.
    Student,
}

/// User-settable conventions; `None` means "as the preset says".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConventionOptions {
    /// Preset that supplies every convention not set below.
    #[serde(default)]
    pub preset: Preset,
    /// Quartile definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_type: Option<QuantileType>,
    /// Mann–Whitney P value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wilcoxon: Option<WilcoxonMethod>,
    /// Kaplan–Meier confidence interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km_ci: Option<CiType>,
    /// Cox model ties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cox_ties: Option<Ties>,
    /// Test for categorical rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical_test: Option<CategoricalTest>,
    /// Test for continuous rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous_test: Option<ContinuousTest>,
}

/// Every convention, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conventions {
    /// The preset the conventions started from.
    pub preset: Preset,
    /// Quartile definition for Table 1.
    pub quantile_type: QuantileType,
    /// Mann–Whitney P value for Table 1.
    pub wilcoxon: WilcoxonMethod,
    /// Kaplan–Meier confidence interval for the summary and the figures.
    pub km_ci: CiType,
    /// Cox model ties for the summary.
    pub cox_ties: Ties,
    /// Test for categorical rows.
    pub categorical_test: CategoricalTest,
    /// Test for continuous rows.
    pub continuous_test: ContinuousTest,
}

impl Conventions {
    /// The conventions of a preset.
    pub fn of_preset(preset: Preset) -> Conventions {
        let (quantile_type, wilcoxon, km_ci, cox_ties) = match preset {
            Preset::R => (
                QuantileType::Type7,
                WilcoxonMethod::RDefault,
                CiType::Log,
                Ties::Efron,
            ),
            Preset::Spss => (
                QuantileType::Type6,
                WilcoxonMethod::Normal,
                CiType::Log,
                Ties::Breslow,
            ),
            Preset::Sas => (
                QuantileType::Type2,
                WilcoxonMethod::NormalCc,
                CiType::LogLog,
                Ties::Breslow,
            ),
        };
        Conventions {
            preset,
            quantile_type,
            wilcoxon,
            km_ci,
            cox_ties,
            categorical_test: CategoricalTest::Chisq,
            continuous_test: ContinuousTest::Rank,
        }
    }

    /// The preset's conventions with the user's overrides applied.
    pub fn resolve(options: &ConventionOptions) -> Conventions {
        let base = Conventions::of_preset(options.preset);
        Conventions {
            preset: options.preset,
            quantile_type: options.quantile_type.unwrap_or(base.quantile_type),
            wilcoxon: options.wilcoxon.unwrap_or(base.wilcoxon),
            km_ci: options.km_ci.unwrap_or(base.km_ci),
            cox_ties: options.cox_ties.unwrap_or(base.cox_ties),
            categorical_test: options.categorical_test.unwrap_or(base.categorical_test),
            continuous_test: options.continuous_test.unwrap_or(base.continuous_test),
        }
    }
}

impl Default for Conventions {
    fn default() -> Conventions {
        Conventions::of_preset(Preset::R)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_differ_where_the_programs_differ() {
        let r = Conventions::of_preset(Preset::R);
        let spss = Conventions::of_preset(Preset::Spss);
        let sas = Conventions::of_preset(Preset::Sas);
        assert_eq!(r.quantile_type, QuantileType::Type7);
        assert_eq!(spss.quantile_type, QuantileType::Type6);
        assert_eq!(sas.quantile_type, QuantileType::Type2);
        assert_eq!(sas.km_ci, CiType::LogLog);
        assert_eq!(spss.wilcoxon, WilcoxonMethod::Normal);
        assert_eq!(sas.wilcoxon, WilcoxonMethod::NormalCc);
    }

    #[test]
    fn an_override_wins_over_the_preset() {
        let options: ConventionOptions =
            serde_json::from_str(r#"{"preset": "sas", "km_ci": "log", "quantile_type": "type7"}"#)
                .unwrap();
        let c = Conventions::resolve(&options);
        assert_eq!(c.km_ci, CiType::Log);
        assert_eq!(c.quantile_type, QuantileType::Type7);
        assert_eq!(c.wilcoxon, WilcoxonMethod::NormalCc);
    }
}
