//! Which rows a results page or an export shows: a subreddit (or every subreddit) and a
//! period, read through the store, with the segments of each subreddit's treatment
//! fraction for the assignment audit and its split alarm. No statistics here: that is
//! `core::readout`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use appealmod_core::readout::{Period, ReadoutRow, Rules, Segment};
use appealmod_shared::domain::SubredditName;
use appealmod_shared::storage::{FractionChange, ReadoutFilter, SplitAlarm};

use crate::errors::PageError;
use crate::startup::AppState;

/// `?period=` and `?names=` of the results pages and the exports.
#[derive(Debug, Default, Deserialize)]
pub struct ResultsQuery {
    pub period: Option<String>,
    pub names: Option<String>,
}

impl ResultsQuery {
    pub fn period(&self) -> PeriodChoice {
        PeriodChoice::parse(self.period.as_deref())
    }

    /// `names=real` asks for Reddit usernames; anything else keeps pseudonyms.
    pub fn wants_real_names(&self) -> bool {
        self.names.as_deref() == Some("real")
    }
}

/// The period filter. Unknown values show all time, as the console's other filters do
/// with odd parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodChoice {
    All,
    Last30Days,
    /// Since the subreddit's last change of the treatment fraction; on the operators'
    /// overview, since each subreddit's own last change.
    SinceChange,
}

impl PeriodChoice {
    pub const ALL: [Self; 3] = [Self::All, Self::Last30Days, Self::SinceChange];

    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("30d") => Self::Last30Days,
            Some("since-change") => Self::SinceChange,
            _ => Self::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Last30Days => "30d",
            Self::SinceChange => "since-change",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All time",
            Self::Last30Days => "Last 30 days",
            Self::SinceChange => "Since the fraction last changed",
        }
    }
}

/// How the readout counts at `now`: the configured window (`web.readout_window_days`), the
/// default planned size.
pub fn rules(state: &AppState, now: DateTime<Utc>) -> Rules {
    let days = i64::from(state.defaults.readout_window_days);
    Rules::new(now, chrono::Duration::days(days))
}

/// One subreddit's rows in the chosen period, and its history of fractions.
#[derive(Debug, Clone)]
pub struct SubredditRows {
    pub name: SubredditName,
    pub rows: Vec<ReadoutRow>,
    /// Every fraction the subreddit had, oldest first (the whole history, not the period).
    pub segments: Vec<Segment>,
    pub last_change: Option<FractionChange>,
    /// The split alarm the bot raised for it, if any.
    pub alarm: Option<SplitAlarm>,
}

/// `name`'s rows in `choice` (relative to `now`).
pub async fn subreddit_rows(
    state: &AppState,
    name: &SubredditName,
    choice: PeriodChoice,
    now: DateTime<Utc>,
) -> Result<SubredditRows, PageError> {
    let default = state.defaults.treatment_fraction;
    let history = state.store.fraction_history(name, default).await?;
    let last_change = history.changes.last().cloned();
    let period = match (choice, &last_change) {
        (PeriodChoice::All, _) => Period::ALL_TIME,
        (PeriodChoice::Last30Days, _) => Period::last_days(now, 30),
        (PeriodChoice::SinceChange, Some(c)) => Period::since(c.at),
        // Never changed: everything is "since" the fraction it has always had.
        (PeriodChoice::SinceChange, None) => Period::ALL_TIME,
    };
    Ok(SubredditRows {
        name: name.clone(),
        rows: rows_in(state, name, period).await?,
        segments: history.segments(),
        last_change,
        alarm: state.store.split_alarm(name).await?,
    })
}

/// `name`'s rows in `period`.
async fn rows_in(
    state: &AppState,
    name: &SubredditName,
    period: Period,
) -> Result<Vec<ReadoutRow>, PageError> {
    Ok(state
        .store
        .readout_rows(&ReadoutFilter {
            subreddit: Some(name.clone()),
            period,
        })
        .await?)
}

/// `name`'s rows of all time, without the fraction history and the alarm
/// ([`subreddit_rows`] for `PeriodChoice::All` has these rows too).
pub async fn all_time_rows(
    state: &AppState,
    name: &SubredditName,
) -> Result<Vec<ReadoutRow>, PageError> {
    rows_in(state, name, Period::ALL_TIME).await
}

/// The treatment fraction in force: the last segment's of `segments` (oldest first), else
/// the configured default for a subreddit with no history.
pub fn fraction_now(state: &AppState, segments: &[Segment]) -> f64 {
    segments
        .last()
        .map_or(state.defaults.treatment_fraction, |s| s.fraction)
}

/// Every subreddit's rows, each by its own period (which differs only for `SinceChange`).
pub async fn all_rows(
    state: &AppState,
    choice: PeriodChoice,
    now: DateTime<Utc>,
) -> Result<Vec<SubredditRows>, PageError> {
    let mut out = Vec::new();
    for s in state.store.subreddit_statuses().await? {
        out.push(subreddit_rows(state, &s.name, choice, now).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_odd_values_mean_all_time() {
        for p in PeriodChoice::ALL {
            assert_eq!(PeriodChoice::parse(Some(p.as_str())), p);
        }
        assert_eq!(PeriodChoice::parse(Some("forever")), PeriodChoice::All);
        assert_eq!(PeriodChoice::parse(None), PeriodChoice::All);
    }

    #[test]
    fn only_names_real_asks_for_real_names() {
        let q = |n: Option<&str>| ResultsQuery {
            period: None,
            names: n.map(str::to_owned),
        };
        assert!(q(Some("real")).wants_real_names());
        assert!(!q(Some("REAL")).wants_real_names());
        assert!(!q(None).wants_real_names());
    }
}
