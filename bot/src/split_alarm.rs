//! The split alarm: the started runner's pass checks each served subreddit's random split
//! against its configured treatment fraction, period by period (the assignment audit of
//! `appealmod_core::readout`, the same exact binomial test as the results page). A period
//! further off than [`readout::SPLIT_ALARM_P`] raises the alarm: one row in the database,
//! which the console shows as a banner on that subreddit's results and live view, and one
//! message to the alerts channel — the row is what keeps it to one, however many passes
//! see it. When the split is back in line, both go, with one message saying so.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use appealmod_core::readout;
use appealmod_shared::domain::SubredditName;
use appealmod_shared::storage::SplitAlarm;

use crate::context::BotContext;

/// What a check changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitReport {
    pub raised: usize,
    pub cleared: usize,
}

/// Subreddits a split check reads per page of candidates.
const CANDIDATES_PAGE: u32 = 500;

impl BotContext {
    /// Checks the split of every served subreddit whose draws, treatment fraction or alarm
    /// may have changed since `since` (`None`: of every one that has drawn anyone); raises
    /// or clears its alarm.
    pub async fn check_splits(&self, since: Option<DateTime<Utc>>) -> anyhow::Result<SplitReport> {
        let mut report = SplitReport::default();
        let mut after = None;
        loop {
            let page = self
                .store
                .split_check_candidates(since, after.as_ref(), CANDIDATES_PAGE)
                .await?;
            for name in &page {
                self.check_split(name, &mut report).await?;
            }
            match page.last() {
                Some(last) if page.len() == CANDIDATES_PAGE as usize => after = Some(last.clone()),
                _ => return Ok(report),
            }
        }
    }

    /// Raises or clears `name`'s alarm, as its draws call for.
    async fn check_split(
        &self,
        name: &SubredditName,
        report: &mut SplitReport,
    ) -> anyhow::Result<()> {
        match self.split_of(name).await? {
            Some(alarm) => {
                if self.store.raise_split_alarm(&alarm).await? {
                    report.raised += 1;
                    warn!(
                        slack = "alerts",
                        subreddit = %name,
                        treatment = alarm.treatment,
                        appellants = alarm.appellants,
                        fraction = alarm.fraction,
                        p_value = alarm.p_value,
                        "the random split is off: {} of {} appellants were put in the treatment group where {:.0} % was configured (p < 0.001); check the treatment fraction and the draw (bot.rng_seed) before trusting the results",
                        alarm.treatment,
                        alarm.appellants,
                        alarm.fraction * 100.0
                    );
                }
            }
            None => {
                if self.store.clear_split_alarm(name).await? {
                    report.cleared += 1;
                    info!(slack = "alerts", subreddit = %name, "the random split is back in line with the treatment fraction; the alarm is cleared");
                }
            }
        }
        Ok(())
    }

    /// The alarm `name`'s draws call for, if any.
    async fn split_of(&self, name: &SubredditName) -> anyhow::Result<Option<SplitAlarm>> {
        let history = self
            .store
            .fraction_history(name, self.defaults.treatment_fraction)
            .await?;
        let draws = self.store.assignment_draws(name).await?;
        let audit = readout::audit_draws(&draws, &history.segments());
        Ok(audit.split_alarm().map(|seg| SplitAlarm {
            subreddit: name.clone(),
            period_from: seg.segment.period.from,
            fraction: seg.segment.fraction,
            appellants: seg.appellants,
            treatment: seg.treatment,
            p_value: seg.p_value.unwrap_or(0.0),
            raised_at: self.clock.now(),
        }))
    }
}
