//! The time recorded for acts and commits: `CHARTER_NOW` (RFC 3339) when set,
//! so past decisions can be recorded and tests are repeatable; else the clock.
//!
//! Every date the charter writes or reads lies in one range, [`EARLIEST`] to
//! [`LATEST`] (UTC): the clock is refused outside it, so nothing is ever
//! written that the parser of stored dates would then refuse.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::model::error::Error;

pub type Timestamp = DateTime<Utc>;

/// The first moment a record may carry (long before any charter in git).
pub const EARLIEST: &str = "2000-01-01T00:00:00Z";
/// The last moment a record may carry: the last one with a four-digit year.
pub const LATEST: &str = "9999-12-31T23:59:59Z";

/// `EARLIEST` and `LATEST` as Unix times.
const EARLIEST_SECS: i64 = 946_684_800;
const LATEST_SECS: i64 = 253_402_300_799;

/// Why a date was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("not an RFC 3339 date-time")]
    Syntax,
    #[error("outside {EARLIEST} to {LATEST}")]
    OutOfRange,
}

pub fn now() -> Result<Timestamp, Error> {
    match std::env::var("CHARTER_NOW") {
        Ok(s) => parse_timestamp(&s).map_err(|_| Error::BadClock(s)),
        Err(_) => {
            let t = trunc(Utc::now());
            if !in_range(&t) {
                return Err(Error::Invalid(format!(
                    "the system clock says {}, outside {EARLIEST} to {LATEST}: set the clock, or CHARTER_NOW",
                    format(&t)
                )));
            }
            Ok(t)
        }
    }
}

/// [`LATEST`] as a time.
pub fn latest() -> Timestamp {
    DateTime::from_timestamp(LATEST_SECS, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Is `t` in the range every stored date must be in?
pub fn in_range(t: &Timestamp) -> bool {
    (EARLIEST_SECS..=LATEST_SECS).contains(&t.timestamp())
}

/// Signed texts carry whole seconds only.
fn trunc(t: Timestamp) -> Timestamp {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Reads an RFC 3339 date-time in the range (after conversion to UTC):
/// for `CHARTER_NOW` and every date stored in the record alike.
pub fn parse_timestamp(s: &str) -> Result<Timestamp, DateError> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .map(|t| trunc(t.with_timezone(&Utc)))
        .map_err(|_| DateError::Syntax)?;
    if !in_range(&t) {
        return Err(DateError::OutOfRange);
    }
    Ok(t)
}

pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A deadline given as a day means the end of that day, UTC; `None` if it
/// is neither a day nor a date-time, or is out of range.
pub fn parse_deadline(s: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(s) {
        return Some(t);
    }
    let day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = day.and_hms_opt(23, 59, 59)?.and_utc();
    in_range(&t).then_some(t)
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

    #[test]
    fn the_range_is_the_same_for_the_clock_and_stored_dates() {
        assert_eq!(format(&parse_timestamp(EARLIEST).unwrap()), EARLIEST);
        assert_eq!(format(&parse_timestamp(LATEST).unwrap()), LATEST);
        for outside in [
            "0000-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            // Within four digits as written, in the year 10000 in UTC.
            "9999-12-31T23:59:59-00:01",
        ] {
            assert_eq!(
                parse_timestamp(outside),
                Err(DateError::OutOfRange),
                "{outside}"
            );
            assert_eq!(parse_deadline(outside), None, "{outside}");
        }
        assert_eq!(parse_deadline("1999-12-31"), None);
        assert_eq!(
            format(&parse_deadline("9999-12-31").unwrap()),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(parse_timestamp("yesterday"), Err(DateError::Syntax));
        assert_eq!(
            DateTime::from_timestamp(EARLIEST_SECS, 0).map(|t| format(&t)),
            Some(EARLIEST.to_string())
        );
        assert_eq!(format(&latest()), LATEST);
    }
}
