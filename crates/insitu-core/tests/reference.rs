//! Every number of every reference data set against R (the same walk as
//! `insitu validate`), and proof that the walk can fail.

mod common;

use insitu_core::validate::compare;

#[test]
fn every_reference_value_agrees_with_r() {
    let mut total = 0;
    for name in common::dataset_names() {
        let (_, actual) = common::analyse_reference(&name);
        let c = compare(&common::expected(&name), &actual);
        let shown: Vec<String> = c
            .mismatches
            .iter()
            .take(20)
            .map(|m| {
                format!(
                    "{}: expected {:e}, actual {:?}",
                    m.path, m.expected, m.actual
                )
            })
            .collect();
        assert!(
            c.mismatches.is_empty(),
            "{name}: {} mismatches:\n{}",
            c.mismatches.len(),
            shown.join("\n")
        );
        total += c.validated;
    }
    // 37,600 numbers in the five reference files (README: ≥ 35,000).
    assert!(total >= 35_000, "only {total} values validated");
}

#[test]
fn a_perturbed_reference_value_is_a_mismatch() {
    let (_, actual) = common::analyse_reference("lung");
    let mut expected = common::expected("lung");
    let surv = &mut expected["survival"][0]["km"][1]["table"]["surv"][5];
    let value = surv.as_f64().unwrap();
    *surv = serde_json::json!(value * (1.0 + 1e-8));
    let c = compare(&expected, &actual);
    assert_eq!(c.mismatches.len(), 1);
    assert_eq!(c.mismatches[0].path, "survival[0].km[1].table.surv[5]");
}

#[test]
fn a_perturbed_cox_value_is_judged_at_1e_6() {
    let (_, actual) = common::analyse_reference("lung");
    let mut expected = common::expected("lung");
    let coef = &mut expected["survival"][0]["cox"]["efron"]["coefficients"][0]["coef"];
    let value = coef.as_f64().unwrap();
    *coef = serde_json::json!(value * (1.0 + 5e-7));
    assert!(compare(&expected, &actual).mismatches.is_empty());
    let coef = &mut expected["survival"][0]["cox"]["efron"]["coefficients"][0]["coef"];
    *coef = serde_json::json!(value * (1.0 + 2e-6));
    assert_eq!(compare(&expected, &actual).mismatches.len(), 1);
}
