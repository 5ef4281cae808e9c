//! Dates in clinicians' spreadsheets: `dd-mm-yyyy`, `dd/mm/yyyy`,
//! `d-m-yy`, `dd.mm.yyyy`, `yyyy-mm-dd`, ISO date-times and Excel serial
//! numbers. The order of day and month is detected per column from values
//! that can only be read one way (a first number above 12 is a day); a
//! column where every value reads both ways is refused and the user is asked
//! for `date_format`, never guessed.
//!
//! Written by hand: the formats are few, and a calendar crate (chrono,
//! time) would add weight to the browser bundle for one subtraction.
//! Dates become day numbers (days since 1970-01-01, fractional with a time of
//! day) by Hinnant's `days_from_civil`.

use serde::{Deserialize, Serialize};

/// The field order of a date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    /// Day, month, year (European: 31-12-2020, 31/12/20, 31.12.2020).
    Dmy,
    /// Month, day, year (American: 12/31/2020).
    Mdy,
    /// Year, month, day (ISO 8601: 2020-12-31, with or without a time).
    Ymd,
    /// Excel serial day numbers (1 = 1900-01-01, 1900 leap-year bug kept).
    Excel,
}

impl DateFormat {
    /// Name as written in a spec.
    pub fn name(self) -> &'static str {
        match self {
            DateFormat::Dmy => "dmy",
            DateFormat::Mdy => "mdy",
            DateFormat::Ymd => "ymd",
            DateFormat::Excel => "excel",
        }
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Day number of 1899-12-30, Excel's day 0 (with its 1900 leap-year bug,
/// serial 60 is the non-existent 1900-02-29; serials from 61 on are right).
const EXCEL_EPOCH: i64 = -25_569;

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not a date in any supported shape.
    NotADate,
    /// Numbers out of range, e.g. 31-02-2020.
    NoSuchDay(String),
}

/// The three numbers of a date and an optional time of day (fraction of a
/// day), split on `-`, `/` or `.`.
fn parts(text: &str) -> Option<([u32; 3], [usize; 3], f64)> {
    let text = text.trim();
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut numbers = [0u32; 3];
    let mut widths = [0usize; 3];
    let mut k = 0;
    for piece in date.split(['-', '/', '.']) {
        if k == 3
            || piece.is_empty()
            || piece.len() > 4
            || !piece.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        numbers[k] = piece.parse().ok()?;
        widths[k] = piece.len();
        k += 1;
    }
    if k != 3 {
        return None;
    }
    let fraction = match time {
        None => 0.0,
        Some(t) => {
            let t = t.trim_end_matches('Z');
            let mut hms = t.split(':');
            let h: f64 = hms.next()?.parse().ok()?;
            let m: f64 = hms.next().unwrap_or("0").parse().ok()?;
            let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
            if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&s) {
                return None;
            }
            (h * 3600.0 + m * 60.0 + s) / 86_400.0
        }
    };
    Some((numbers, widths, fraction))
}

/// Two-digit years: 00–49 are 2000–2049, 50–99 are 1950–1999.
fn full_year(year: u32, width: usize) -> i64 {
    let y = i64::from(year);
    if width <= 2 {
        if y < 50 {
            2000 + y
        } else {
            1900 + y
        }
    } else {
        y
    }
}

/// Reads one date in `format` as a day number.
pub fn parse_date(text: &str, format: DateFormat) -> Result<f64, DateError> {
    if format == DateFormat::Excel {
        let serial: f64 = text.trim().parse().map_err(|_| DateError::NotADate)?;
        if !(1.0..2_958_466.0).contains(&serial) {
            return Err(DateError::NoSuchDay(format!(
                "{serial} is not an Excel date serial"
            )));
        }
        return Ok(EXCEL_EPOCH as f64 + serial);
    }
    let (n, w, fraction) = parts(text).ok_or(DateError::NotADate)?;
    let (year, month, day, year_width) = match format {
        DateFormat::Ymd => (n[0], n[1], n[2], w[0]),
        DateFormat::Dmy => (n[2], n[1], n[0], w[2]),
        DateFormat::Mdy => (n[2], n[0], n[1], w[2]),
        DateFormat::Excel => unreachable!("handled above"),
    };
    if format == DateFormat::Ymd && w[0] != 4 {
        return Err(DateError::NotADate);
    }
    let year = full_year(year, year_width);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(DateError::NoSuchDay(format!(
            "there is no day {day} in month {month} of {year}"
        )));
    }
    Ok(days_from_civil(year, month, day) as f64 + fraction)
}

/// What a column's values allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// One format reads every value.
    Format(DateFormat),
    /// Both day-month orders read every value (all days ≤ 12).
    Ambiguous,
    /// No format reads every value; the first value that fails.
    Unreadable(String),
}

/// Detects the format of the non-missing `values` of a column.
pub fn detect<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Detected {
    let all = |format| values.clone().all(|v| parse_date(v, format).is_ok());
    let mut any = false;
    let mut all_numbers = true;
    for v in values.clone() {
        any = true;
        all_numbers &= v.trim().parse::<f64>().is_ok();
    }
    if !any {
        return Detected::Ambiguous;
    }
    if all_numbers {
        return if all(DateFormat::Excel) {
            Detected::Format(DateFormat::Excel)
        } else {
            Detected::Unreadable(
                values
                    .clone()
                    .find(|v| parse_date(v, DateFormat::Excel).is_err())
                    .unwrap_or_default()
                    .to_string(),
            )
        };
    }
    if all(DateFormat::Ymd) {
        return Detected::Format(DateFormat::Ymd);
    }
    match (all(DateFormat::Dmy), all(DateFormat::Mdy)) {
        (true, false) => Detected::Format(DateFormat::Dmy),
        (false, true) => Detected::Format(DateFormat::Mdy),
        (true, true) => Detected::Ambiguous,
        (false, false) => {
            // the first value neither order reads
            let bad = values
                .clone()
                .find(|v| {
                    parse_date(v, DateFormat::Dmy).is_err()
                        && parse_date(v, DateFormat::Mdy).is_err()
                })
                .or_else(|| {
                    values
                        .clone()
                        .find(|v| parse_date(v, DateFormat::Dmy).is_err())
                })
                .unwrap_or_default();
            Detected::Unreadable(bad.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_day_numbers() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        for z in [-800_000, -1, 0, 59, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn formats() {
        let day = days_from_civil(2020, 2, 29) as f64;
        assert_eq!(parse_date("29-02-2020", DateFormat::Dmy), Ok(day));
        assert_eq!(parse_date("29/2/20", DateFormat::Dmy), Ok(day));
        assert_eq!(parse_date("29.02.2020", DateFormat::Dmy), Ok(day));
        assert_eq!(parse_date("2/29/2020", DateFormat::Mdy), Ok(day));
        assert_eq!(parse_date("2020-02-29", DateFormat::Ymd), Ok(day));
        assert_eq!(
            parse_date("2020-02-29T12:00:00", DateFormat::Ymd),
            Ok(day + 0.5)
        );
        assert_eq!(
            parse_date("2020-02-29 06:00", DateFormat::Ymd),
            Ok(day + 0.25)
        );
        // Excel: 43890 is 2020-02-29
        assert_eq!(parse_date("43890", DateFormat::Excel), Ok(day));
        assert!(matches!(
            parse_date("31-02-2020", DateFormat::Dmy),
            Err(DateError::NoSuchDay(_))
        ));
        assert_eq!(
            parse_date("yesterday", DateFormat::Dmy),
            Err(DateError::NotADate)
        );
    }

    #[test]
    fn detection_needs_an_unambiguous_value() {
        let dmy = ["01-02-2020", "25-12-2020"];
        assert_eq!(
            detect(dmy.iter().copied()),
            Detected::Format(DateFormat::Dmy)
        );
        let mdy = ["01/02/2020", "12/25/2020"];
        assert_eq!(
            detect(mdy.iter().copied()),
            Detected::Format(DateFormat::Mdy)
        );
        let both = ["01-02-2020", "03-04-2020"];
        assert_eq!(detect(both.iter().copied()), Detected::Ambiguous);
        let iso = ["2020-01-02", "2020-12-25T10:00"];
        assert_eq!(
            detect(iso.iter().copied()),
            Detected::Format(DateFormat::Ymd)
        );
        let serials = ["43890", "44000"];
        assert_eq!(
            detect(serials.iter().copied()),
            Detected::Format(DateFormat::Excel)
        );
        let mixed = ["25-12-2020", "2020-12-25"];
        assert_eq!(
            detect(mixed.iter().copied()),
            Detected::Unreadable("2020-12-25".to_string())
        );
    }
}
