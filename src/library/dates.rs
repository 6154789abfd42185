//! Calendar dates without a time-zone database: conversions between civil dates and Unix seconds.
//!
//! Photo dates are wall-clock times: EXIF `DateTimeOriginal` has no zone (the offset tag is optional and
//! often missing), and a writer filtering "from 2023-06-01" means the date on the camera's clock. So
//! every date here is a *naive* civil time stored as if it were UTC, and file times (true UTC) are used
//! as they are. Howard Hinnant's `days_from_civil` algorithm; proleptic Gregorian calendar.

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the epoch of a civil date and time; `None` when a field is out of range.
pub fn seconds(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    let valid = (1..=12).contains(&mo) && d >= 1 && d <= days_in_month(y, mo) && h < 24 && mi < 60 && s < 61;
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

/// Parse `YYYY-MM-DD` into the seconds of that day's midnight, or say what is wrong.
pub fn parse_day(s: &str) -> Result<i64, String> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let bad = || format!("{s:?} is not a date in the form YYYY-MM-DD");
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d) = (
        y.parse::<i64>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
        d.parse::<u32>().map_err(|_| bad())?,
    );
    seconds(y, m, d, 0, 0, 0).ok_or_else(|| format!("{s:?} is not a calendar date"))
}

/// `YYYY-MM-DDTHH:MM:SS` (ISO 8601, no zone: a wall-clock time, see the module docs).
pub fn iso(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in [-800_000, -1, 0, 59, 11_016, 19_999, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(
            iso(seconds(2024, 2, 29, 13, 5, 9).expect("valid")),
            "2024-02-29T13:05:09"
        );
    }

    #[test]
    fn bad_days_are_refused_with_a_reason() {
        assert_eq!(parse_day("2023-06-01"), Ok(days_from_civil(2023, 6, 1) * 86_400));
        assert!(
            parse_day("2023-02-29")
                .expect_err("not a leap year")
                .contains("calendar")
        );
        assert!(parse_day("2023-13-01").is_err());
        assert!(parse_day("01/06/2023").expect_err("form").contains("YYYY-MM-DD"));
        assert!(parse_day("2023-6-1").is_err());
    }
}
