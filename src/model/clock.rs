//! The time recorded for acts and commits: `CHARTER_NOW` (RFC 3339) when set,
//! so past decisions can be recorded and tests are repeatable; else the clock.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

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

pub fn parse_timestamp(s: &str) -> Result<Timestamp, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s.trim()).map(|t| trunc(t.with_timezone(&Utc)))
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
    Some(day.and_hms_opt(23, 59, 59)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

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
