//! The experiment's readout, computed from one row per appeal: the funnel of each group,
//! treatment against control with 95 % intervals, timings, weekly counts and the audit of
//! the random assignment. Pure: storage reads the rows (`Store::readout_rows`), pages, the
//! export and the live view all show what [`compute`] and [`assignment_audit`] return.
//!
//! **The unit is the appeal.** A treatment appeal is an `appeals` row (a treatment
//! appellant the bot recorded but never sent a link — a moderator stepped in first — is one
//! row without an appeal). Control appellants have no appeal row; each is one row, built
//! from their record and modmail messages. The assignment audit counts appellants, the unit
//! the group is drawn for.

pub mod stats;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::{AppealId, AppealStatus, AppellantId, ConversationId, Group, Outcome};
use crate::domain::{RedditUsername, SubredditName};
use crate::toxicity::{TextRef, Toxicity};
use stats::{Difference, Proportion, Quartiles, binomial_test, chi_square_sf, newcombe};

/// How an appeal ended, as far as the experiment is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    /// Unbanned.
    Granted,
    /// Still banned when the appellant stopped being followed (the cutoff).
    Denied,
    /// The form was never submitted (treatment only).
    Abandoned,
    /// Not settled yet.
    Pending,
}

impl CaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::Abandoned => "abandoned",
            Self::Pending => "pending",
        }
    }

    /// The outcome of a treatment appeal from its stored status and outcome.
    pub fn of_appeal(status: AppealStatus, outcome: Option<Outcome>) -> Self {
        match (outcome, status) {
            (Some(Outcome::Granted), _) => Self::Granted,
            (Some(Outcome::Denied), _) => Self::Denied,
            (None, AppealStatus::Abandoned) => Self::Abandoned,
            (None, _) => Self::Pending,
        }
    }

    /// The outcome of an appellant without an appeal (control, or treatment before any
    /// link): unbanned grants; no longer followed while banned denies.
    pub fn of_appellant(still_banned: Option<bool>, retired: bool) -> Self {
        match (still_banned, retired) {
            (Some(false), _) => Self::Granted,
            (_, true) => Self::Denied,
            (_, false) => Self::Pending,
        }
    }
}

/// One appeal as the readout and the export see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutRow {
    pub appellant_id: AppellantId,
    /// `None` for control appellants and treatment appellants never sent a link.
    pub appeal_id: Option<AppealId>,
    pub subreddit: SubredditName,
    pub username: RedditUsername,
    pub group: Group,
    /// The appeal's conversation (control: the appellant's first).
    pub conversation_id: ConversationId,
    /// When the group was drawn: the appellant's first contact.
    pub assigned_at: DateTime<Utc>,
    /// When this appeal began (the appeal's creation, else the first contact); periods
    /// select rows by it.
    pub started_at: DateTime<Utc>,
    /// The appellant's first message in the conversation, when the bot has read it.
    pub first_message_at: Option<DateTime<Utc>>,
    /// The bot's first message with the link was on Reddit.
    pub link_sent_at: Option<DateTime<Utc>>,
    pub form_opened_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The moderators' note was on Reddit (the conversation back in their inbox).
    pub completed_at: Option<DateTime<Utc>>,
    /// When the outcome (granted or denied) was recorded.
    pub decided_at: Option<DateTime<Utc>>,
    /// The appeal's status; `None` without an appeal.
    pub status: Option<AppealStatus>,
    pub outcome: CaseOutcome,
    pub reminders: i64,
    pub toxicity: Toxicity,
    /// The texts that made it toxic, by id.
    pub toxic_texts: Vec<TextRef>,
}

impl ReadoutRow {
    /// Moderators had to read it: every control appeal (the bot never touches them); a
    /// treatment appeal once completed, or when the bot never took it on.
    pub fn reached_moderators(&self) -> bool {
        match self.group {
            Group::Control => true,
            Group::Treatment => matches!(self.status, None | Some(AppealStatus::Completed)),
        }
    }

    /// Seconds from opening the form to submitting it.
    pub fn form_seconds(&self) -> Option<f64> {
        seconds_between(self.form_opened_at?, self.submitted_at?)
    }

    /// Seconds from the appellant's first message (else the first contact) to the outcome.
    pub fn decision_seconds(&self) -> Option<f64> {
        if !matches!(self.outcome, CaseOutcome::Granted | CaseOutcome::Denied) {
            return None;
        }
        let from = self.first_message_at.unwrap_or(self.started_at);
        seconds_between(from, self.decided_at?)
    }
}

fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
    let ms = (to - from).num_milliseconds();
    (ms >= 0).then(|| ms as f64 / 1000.0)
}

/// A half-open span of time `[from, until)`; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Period {
    pub const ALL_TIME: Self = Self {
        from: None,
        until: None,
    };

    /// The `days` before `now`.
    pub fn last_days(now: DateTime<Utc>, days: u64) -> Self {
        Self {
            from: now.checked_sub_days(Days::new(days)),
            until: None,
        }
    }

    /// From `at` on (e.g. the last change of the treatment fraction).
    pub fn since(at: DateTime<Utc>) -> Self {
        Self {
            from: Some(at),
            until: None,
        }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f) && self.until.is_none_or(|u| t < u)
    }
}

/// How far one group's appeals got. Every count is of rows (appeals), except `appellants`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Funnel {
    pub appeals: u64,
    /// Distinct appellants among them.
    pub appellants: u64,
    /// The link was sent (control: never).
    pub contacted: u64,
    pub link_opened: u64,
    pub submitted: u64,
    pub completed: u64,
    pub granted: u64,
    pub denied: u64,
    pub abandoned: u64,
    pub pending: u64,
}

impl Funnel {
    fn of<'a>(rows: impl Iterator<Item = &'a ReadoutRow>) -> Self {
        let mut f = Self::default();
        let mut people = BTreeSet::new();
        for r in rows {
            people.insert(r.appellant_id);
            f.appeals += 1;
            f.contacted += u64::from(r.link_sent_at.is_some());
            f.link_opened += u64::from(r.form_opened_at.is_some());
            f.submitted += u64::from(r.submitted_at.is_some());
            f.completed += u64::from(r.completed_at.is_some());
            match r.outcome {
                CaseOutcome::Granted => f.granted += 1,
                CaseOutcome::Denied => f.denied += 1,
                CaseOutcome::Abandoned => f.abandoned += 1,
                CaseOutcome::Pending => f.pending += 1,
            }
        }
        f.appellants = people.len() as u64;
        f
    }
}

/// One measure in both groups, and treatment minus control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Contrast {
    pub treatment: Proportion,
    pub control: Proportion,
    /// Newcombe's interval; `None` while a group has no appeal to count.
    pub difference: Option<Difference>,
}

impl Contrast {
    fn of(
        rows: &[ReadoutRow],
        counted: impl Fn(&ReadoutRow) -> bool,
        hit: impl Fn(&ReadoutRow) -> bool,
    ) -> Self {
        let share = |g: Group| {
            let pool: Vec<&ReadoutRow> =
                rows.iter().filter(|r| r.group == g && counted(r)).collect();
            let hits = pool.iter().filter(|r| hit(r)).count();
            Proportion::new(hits as u64, pool.len() as u64)
        };
        let (treatment, control) = (share(Group::Treatment), share(Group::Control));
        Self {
            treatment,
            control,
            difference: newcombe(&treatment, &control),
        }
    }
}

/// Treatment against control on the experiment's three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// Appeals moderators had to read, of all appeals.
    pub read_by_moderators: Contrast,
    /// Granted, of the appeals with a final outcome (granted, denied or abandoned).
    pub granted: Contrast,
    /// Toxic appeals that reached moderators, of all appeals.
    pub toxic_reached_moderators: Contrast,
}

/// Appeals begun in one week (Monday to Sunday, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    pub starts: NaiveDate,
    pub treatment: u64,
    pub control: u64,
}

/// Everything the results page, the export summary and the live totals show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readout {
    pub treatment: Funnel,
    pub control: Funnel,
    pub comparison: Comparison,
    /// Seconds from opening the form to submitting it (treatment).
    pub form_seconds: Option<Quartiles>,
    /// Seconds from the first message to the outcome, per group.
    pub decision_seconds_treatment: Option<Quartiles>,
    pub decision_seconds_control: Option<Quartiles>,
    /// Every week from the first appeal's to the last one's, empty weeks included.
    pub weekly: Vec<Week>,
}

/// The readout of `rows` (already limited to a subreddit and a period by the caller).
pub fn compute(rows: &[ReadoutRow]) -> Readout {
    let of = |g: Group| rows.iter().filter(move |r| r.group == g);
    let settled = |r: &ReadoutRow| r.outcome != CaseOutcome::Pending;
    let seconds = |g: Group, f: fn(&ReadoutRow) -> Option<f64>| {
        let v: Vec<f64> = of(g).filter_map(f).collect();
        stats::quartiles(&v)
    };
    Readout {
        treatment: Funnel::of(of(Group::Treatment)),
        control: Funnel::of(of(Group::Control)),
        comparison: Comparison {
            read_by_moderators: Contrast::of(rows, |_| true, ReadoutRow::reached_moderators),
            granted: Contrast::of(rows, settled, |r| r.outcome == CaseOutcome::Granted),
            toxic_reached_moderators: Contrast::of(
                rows,
                |_| true,
                |r| r.toxicity.toxic && r.reached_moderators(),
            ),
        },
        form_seconds: seconds(Group::Treatment, ReadoutRow::form_seconds),
        decision_seconds_treatment: seconds(Group::Treatment, ReadoutRow::decision_seconds),
        decision_seconds_control: seconds(Group::Control, ReadoutRow::decision_seconds),
        weekly: weekly(rows),
    }
}

fn week_of(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

fn weekly(rows: &[ReadoutRow]) -> Vec<Week> {
    let mut counts: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    for r in rows {
        let c = counts.entry(week_of(r.started_at)).or_default();
        match r.group {
            Group::Treatment => c.0 += 1,
            Group::Control => c.1 += 1,
        }
    }
    let (Some(&first), Some(&last)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut week = first;
    while week <= last {
        let (treatment, control) = counts.get(&week).copied().unwrap_or_default();
        out.push(Week {
            starts: week,
            treatment,
            control,
        });
        week = week + Days::new(7);
    }
    out
}

/// A span with one configured treatment fraction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    pub period: Period,
    pub fraction: f64,
}

/// The segments of a subreddit's history: `first` until the first change, then each
/// change's new fraction until the next. `changes` are `(when, new fraction)`, oldest first.
pub fn segments(first: f64, changes: &[(DateTime<Utc>, f64)]) -> Vec<Segment> {
    let mut out = Vec::with_capacity(changes.len() + 1);
    let mut from = None;
    let mut fraction = first;
    for &(at, next) in changes {
        out.push(Segment {
            period: Period {
                from,
                until: Some(at),
            },
            fraction,
        });
        from = Some(at);
        fraction = next;
    }
    out.push(Segment {
        period: Period { from, until: None },
        fraction,
    });
    out
}

/// Assignment within one segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SegmentAudit {
    pub segment: Segment,
    /// Appellants whose group was drawn in the segment.
    pub appellants: u64,
    pub treatment: u64,
    pub observed_share: Option<f64>,
    /// Two-sided exact binomial test of `treatment` against the fraction.
    pub p_value: Option<f64>,
}

/// Did the draw follow the configured fractions?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignmentAudit {
    pub segments: Vec<SegmentAudit>,
    /// Pearson's goodness of fit over every segment with appellants (one degree of freedom
    /// each: within a segment the two counts add up to its appellants).
    pub chi_square: f64,
    pub degrees_of_freedom: u32,
    pub p_value: Option<f64>,
}

/// The audit of one subreddit's assignment: each appellant counts once, in the segment
/// when their group was drawn.
pub fn assignment_audit(rows: &[ReadoutRow], segments: &[Segment]) -> AssignmentAudit {
    let mut drawn: BTreeMap<AppellantId, (DateTime<Utc>, Group)> = BTreeMap::new();
    for r in rows {
        drawn.insert(r.appellant_id, (r.assigned_at, r.group));
    }
    let mut chi_square = 0.0;
    let mut df = 0;
    let mut impossible = false;
    let audits = segments
        .iter()
        .map(|&segment| {
            let groups = drawn
                .values()
                .filter(|(at, _)| segment.period.contains(*at));
            let (mut n, mut t) = (0u64, 0u64);
            for (_, g) in groups {
                n += 1;
                t += u64::from(*g == Group::Treatment);
            }
            if n > 0 {
                let expected = [
                    segment.fraction * n as f64,
                    (1.0 - segment.fraction) * n as f64,
                ];
                for (e, o) in expected.into_iter().zip([t, n - t]) {
                    if e > 0.0 {
                        chi_square += (o as f64 - e).powi(2) / e;
                    } else if o > 0 {
                        impossible = true;
                    }
                }
                df += 1;
            }
            SegmentAudit {
                segment,
                appellants: n,
                treatment: t,
                observed_share: (n > 0).then(|| t as f64 / n as f64),
                p_value: (n > 0)
                    .then(|| binomial_test(t, n, segment.fraction))
                    .flatten(),
            }
        })
        .collect();
    let p_value = if impossible {
        Some(0.0)
    } else {
        chi_square_sf(chi_square, df)
    };
    AssignmentAudit {
        segments: audits,
        chi_square,
        degrees_of_freedom: df,
        p_value,
    }
}

#[cfg(test)]
mod tests;
