//! The time recorded for acts and commits: `CHARTER_NOW` (RFC 3339) when set,
//! so past decisions can be recorded and tests are repeatable; else the clock.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

use crate::model::error::Error;

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Result<Timestamp, Error> {
    match std::env::var("CHARTER_NOW") {
        Ok(s) => parse_timestamp(&s).map_err(|_| Error::BadClock(s)),
        Err(_) => Ok(trunc(Utc::now())),
    }
}

/// Signed texts carry whole seconds only.
fn trunc(t: Timestamp) -> Timestamp {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// An RFC 3339 date-time, in UTC, to the second. Its year in UTC must have
/// four digits, as RFC 3339 writes it: an offset that carries a date past
/// 9999 or before 0000 would make a time that [`format`] cannot write back.
pub fn parse_timestamp(s: &str) -> Result<Timestamp, Error> {
    let bad = |why: String| Error::Invalid(format!("'{s}' is not an RFC 3339 date-time: {why}"));
    let t = DateTime::parse_from_rfc3339(s.trim()).map_err(|e| bad(e.to_string()))?;
    writable(trunc(t.with_timezone(&Utc))).ok_or_else(|| bad("its year is not 0000 to 9999".into()))
}

fn writable(t: Timestamp) -> Option<Timestamp> {
    (0..=9999).contains(&t.year()).then_some(t)
}

pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A deadline given as a day means the end of that day, UTC.
pub fn parse_deadline(s: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(s) {
        return Some(t);
    }
    let day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    writable(day.and_hms_opt(23, 59, 59)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_four_digit_years_in_utc() {
        for bad in ["9999-12-31T23:00:00-05:00", "0000-01-01T00:30:00+01:00"] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
            assert!(parse_deadline(bad).is_none(), "{bad}");
        }
        for bad in ["-62-2-11", "10000-01-01", "+10000-01-01"] {
            assert!(parse_deadline(bad).is_none(), "{bad}");
        }
        let edge = parse_timestamp("9999-12-31T23:00:00+05:00").unwrap();
        assert_eq!(format(&edge), "9999-12-31T18:00:00Z");
    }

    #[test]
    fn deadline_day_is_end_of_day() {
        let t = parse_deadline("2026-12-31").unwrap();
        assert_eq!(format(&t), "2026-12-31T23:59:59Z");
        assert!(parse_deadline("31/12/2026").is_none());
        assert_eq!(
            format(&parse_deadline("2026-12-31T10:00:00+01:00").unwrap()),
            "2026-12-31T09:00:00Z"
        );
    }
}
