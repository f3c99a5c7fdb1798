//! Times as the console's lists show them: relative ("3 h ago"), with the exact time for a
//! `<time datetime=…>` and its title.

use chrono::{DateTime, Duration, Utc};

use crate::console::when;

/// One time, three ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    /// For `<time datetime>`: `2026-12-02T01:47:00Z`.
    pub iso: String,
    /// "2 Dec 2026, 01:47 UTC".
    pub exact: String,
    /// "3 h ago".
    pub ago: String,
    /// "3 h": how long since then.
    pub since: String,
}

impl Moment {
    pub fn new(t: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            iso: t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            exact: when(Some(t)),
            ago: ago(t, now),
            since: span(now - t),
        }
    }

    pub fn of(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Self> {
        t.map(|t| Self::new(t, now))
    }
}

/// "less than a minute", "12 min", "5 h", "3 days": whole units, rounded down; hours up to
/// two days, so that "yesterday evening" reads as hours.
pub fn span(d: Duration) -> String {
    let d = d.max(Duration::zero());
    if d < Duration::minutes(1) {
        "less than a minute".to_owned()
    } else if d < Duration::hours(1) {
        format!("{} min", d.num_minutes())
    } else if d < Duration::hours(48) {
        format!("{} h", d.num_hours())
    } else {
        format!("{} days", d.num_days())
    }
}

/// "just now", "12 min ago", "5 h ago", "3 days ago". A time a little in the future (clocks
/// of two processes) is "just now".
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if now - t < Duration::minutes(1) {
        "just now".to_owned()
    } else {
        format!("{} ago", span(now - t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_in_whole_units_with_the_exact_time_beside() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let before = |secs| now - Duration::seconds(secs);
        assert_eq!(ago(before(59), now), "just now");
        assert_eq!(ago(now + Duration::minutes(5), now), "just now");
        assert_eq!(ago(before(60), now), "1 min ago");
        assert_eq!(ago(before(3_599), now), "59 min ago");
        assert_eq!(ago(before(3 * 3_600 + 1_800), now), "3 h ago");
        assert_eq!(ago(before(47 * 3_600), now), "47 h ago");
        assert_eq!(ago(before(49 * 3_600), now), "2 days ago");
        assert_eq!(span(Duration::seconds(-5)), "less than a minute");
        let m = Moment::new(before(7_200), now);
        assert_eq!(m.iso, "2027-01-15T06:00:00Z");
        assert_eq!(m.exact, "15 Jan 2027, 06:00 UTC");
        assert_eq!((m.ago.as_str(), m.since.as_str()), ("2 h ago", "2 h"));
    }
}
