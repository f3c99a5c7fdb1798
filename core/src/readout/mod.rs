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
//!
//! **What is counted, and when**, is [`definitions`]: reached the moderators, settled, the
//! window, intention to treat. The intervals are [`stats`] (fixed-sample: Wilson and
//! Newcombe, valid at the planned size) and [`sequential`] (anytime-valid: valid however
//! often one looks).

pub mod debrief;
pub mod definitions;
pub mod plan;
pub mod sequential;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::{AppealId, AppealStatus, AppellantId, ConversationId, Group, Outcome};
use crate::domain::{RedditUsername, SubredditName};
use crate::toxicity::{TextRef, Toxicity};
pub use definitions::{Count, Metric, Reach, Rules};
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
    /// The bot handed the conversation over to the moderators after the last reminder
    /// (when it decided to: the journal's hand-over step).
    pub handed_over_at: Option<DateTime<Utc>>,
    /// The bot stopped following the appellant (a moderator stepped in, the conversation
    /// was handed over, or it was quiet for `bot.update_cutoff`); `None` while followed.
    pub stopped_at: Option<DateTime<Utc>>,
}

impl ReadoutRow {
    /// Whether and how it reached the moderators ([`Reach`]).
    pub fn reach(&self) -> Reach {
        Reach::of(self)
    }

    /// The moderators saw the conversation (so far): see [`definitions`].
    pub fn reached_moderators(&self) -> bool {
        self.reach().reached()
    }

    /// The bot stopped following the appellant during this appeal (not before it).
    pub fn stopped_since_start(&self) -> bool {
        self.stopped_at.is_some_and(|t| t >= self.started_at)
    }

    /// Nothing more will happen to it: an outcome is recorded, or the bot no longer follows
    /// (and so reads) the conversation.
    pub fn closed(&self) -> bool {
        self.outcome != CaseOutcome::Pending || self.stopped_since_start()
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
    /// Treatment appeals the bot handed over after the last reminder.
    pub handed_over: u64,
    /// Treatment appeals a moderator took over before the form came.
    pub taken_over: u64,
    /// Treatment appellants the bot never sent a link.
    pub never_engaged: u64,
    /// Reached the moderators so far ([`Reach::reached`]).
    pub reached: u64,
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
            let reach = r.reach();
            f.handed_over += u64::from(reach == Reach::HandedOver);
            f.taken_over += u64::from(reach == Reach::TakenOver);
            f.never_engaged += u64::from(reach == Reach::NeverEngaged);
            f.reached += u64::from(reach.reached());
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

/// A count per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct GroupCounts {
    pub treatment: u64,
    pub control: u64,
}

impl GroupCounts {
    fn add(&mut self, g: Group) {
        match g {
            Group::Treatment => self.treatment += 1,
            Group::Control => self.control += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.treatment + self.control
    }
}

/// What the anytime-valid interval of a difference allows one to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A group has no counted appeal yet.
    NotReady,
    /// The interval is below 0: lower in the treatment group.
    Lower,
    /// The interval is above 0: higher in the treatment group.
    Higher,
    /// The interval includes 0: chance could explain the difference.
    NotClear,
}

impl Verdict {
    fn of(d: Option<Difference>) -> Self {
        match d {
            None => Self::NotReady,
            Some(d) if d.interval.high < 0.0 => Self::Lower,
            Some(d) if d.interval.low > 0.0 => Self::Higher,
            Some(_) => Self::NotClear,
        }
    }
}

/// One measure in both groups, and treatment minus control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Contrast {
    pub metric: Metric,
    /// Of the counted appeals ([`Count::Settled`] or [`Count::Lapsed`]).
    pub treatment: Proportion,
    pub control: Proportion,
    /// Newcombe's interval: fixed-sample, valid once, at the planned size; `None` while a
    /// group has no appeal to count.
    pub difference: Option<Difference>,
    /// The anytime-valid interval ([`sequential`]): valid however often one looks.
    pub sequential: Option<Difference>,
    /// From the sequential interval.
    pub verdict: Verdict,
    /// Still open and not yet counted.
    pub open: GroupCounts,
    /// Counted though still open: their window passed.
    pub lapsed: GroupCounts,
}

impl Contrast {
    /// `metric` by assigned group over `rows`, counting each row as `rules` say.
    pub fn of(rows: &[ReadoutRow], metric: Metric, rules: &Rules) -> Self {
        let (mut hits, mut trials) = (GroupCounts::default(), GroupCounts::default());
        let (mut open, mut lapsed) = (GroupCounts::default(), GroupCounts::default());
        for r in rows {
            match metric.count(r, rules) {
                Count::Open => open.add(r.group),
                count => {
                    trials.add(r.group);
                    if count == Count::Lapsed {
                        lapsed.add(r.group);
                    }
                    if metric.hit(r) {
                        hits.add(r.group);
                    }
                }
            }
        }
        let treatment = Proportion::new(hits.treatment, trials.treatment);
        let control = Proportion::new(hits.control, trials.control);
        let sequential = sequential::difference(&treatment, &control, rules.planned_appeals);
        Self {
            metric,
            treatment,
            control,
            difference: newcombe(&treatment, &control),
            sequential,
            verdict: Verdict::of(sequential),
            open,
            lapsed,
        }
    }
}

/// Treatment against control on the experiment's three outcomes, by assigned group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// Reached the moderators, of all counted appeals.
    pub reached_moderators: Contrast,
    /// Granted, of all counted appeals.
    pub granted: Contrast,
    /// Toxic and reached the moderators, of all counted appeals.
    pub toxic_reached_moderators: Contrast,
}

/// Figures among the treatment appeals whose form was completed only. Not a comparison of
/// the groups: the people who complete a form are not a random half of the treatment
/// group (those likelier to succeed are likelier to complete it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AmongCompleted {
    /// Granted, of the completed appeals whose grant outcome is counted.
    pub granted: Proportion,
    /// Toxic, of the completed appeals.
    pub toxic: Proportion,
}

impl AmongCompleted {
    fn of(rows: &[ReadoutRow], rules: &Rules) -> Self {
        let completed: Vec<&ReadoutRow> = rows
            .iter()
            .filter(|r| r.group == Group::Treatment && r.reach() == Reach::Completed)
            .collect();
        let counted: Vec<&&ReadoutRow> = completed
            .iter()
            .filter(|r| Metric::Granted.count(r, rules).counted())
            .collect();
        let granted = counted.iter().filter(|r| Metric::Granted.hit(r)).count();
        let toxic = completed.iter().filter(|r| r.toxicity.toxic).count();
        Self {
            granted: Proportion::new(granted as u64, counted.len() as u64),
            toxic: Proportion::new(toxic as u64, completed.len() as u64),
        }
    }
}

/// Time to a decision in one group, over the appeals whose window has passed (so that
/// quick decisions are not counted before slow ones could be).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DecisionTimes {
    /// Appeals begun at least the window ago.
    pub cohort: u64,
    /// Those of them with a decision (granted or denied).
    pub decided: u64,
    /// Seconds from the first message to the decision, of the decided ones.
    pub quartiles: Option<Quartiles>,
}

impl DecisionTimes {
    fn of<'a>(rows: impl Iterator<Item = &'a ReadoutRow>, rules: &Rules) -> Self {
        let cohort: Vec<&ReadoutRow> = rows.filter(|r| rules.lapsed(r.started_at)).collect();
        let seconds: Vec<f64> = cohort.iter().filter_map(|r| r.decision_seconds()).collect();
        Self {
            cohort: cohort.len() as u64,
            decided: seconds.len() as u64,
            quartiles: stats::quartiles(&seconds),
        }
    }
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
    pub among_completed: AmongCompleted,
    /// Seconds from opening the form to submitting it (treatment, submitted forms only).
    pub form_seconds: Option<Quartiles>,
    pub decisions_treatment: DecisionTimes,
    pub decisions_control: DecisionTimes,
    /// Every week from the first appeal's to the last one's, empty weeks included.
    pub weekly: Vec<Week>,
}

/// The readout of `rows` (already limited to a subreddit and a period by the caller), as
/// counted at `rules.now`.
pub fn compute(rows: &[ReadoutRow], rules: &Rules) -> Readout {
    let of = |g: Group| rows.iter().filter(move |r| r.group == g);
    let forms: Vec<f64> = of(Group::Treatment)
        .filter_map(ReadoutRow::form_seconds)
        .collect();
    Readout {
        treatment: Funnel::of(of(Group::Treatment)),
        control: Funnel::of(of(Group::Control)),
        comparison: Comparison {
            reached_moderators: Contrast::of(rows, Metric::Reached, rules),
            granted: Contrast::of(rows, Metric::Granted, rules),
            toxic_reached_moderators: Contrast::of(rows, Metric::ToxicReached, rules),
        },
        among_completed: AmongCompleted::of(rows, rules),
        form_seconds: stats::quartiles(&forms),
        decisions_treatment: DecisionTimes::of(of(Group::Treatment), rules),
        decisions_control: DecisionTimes::of(of(Group::Control), rules),
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
    let draws: Vec<(DateTime<Utc>, Group)> = drawn.into_values().collect();
    audit_draws(&draws, segments)
}

/// The audit of the draws `(when, group)`, one per appellant.
pub fn audit_draws(draws: &[(DateTime<Utc>, Group)], segments: &[Segment]) -> AssignmentAudit {
    let audits: Vec<SegmentAudit> = segments
        .iter()
        .map(|&segment| {
            let (mut n, mut t) = (0u64, 0u64);
            for (at, g) in draws {
                if segment.period.contains(*at) {
                    n += 1;
                    t += u64::from(*g == Group::Treatment);
                }
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
    let (chi_square, df, impossible) = pearson(&audits);
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

/// Pearson's χ² over the segments with appellants, its degrees of freedom, and whether a
/// group was drawn that the fraction made impossible (a fraction of 0 or 1).
fn pearson(audits: &[SegmentAudit]) -> (f64, u32, bool) {
    let (mut chi_square, mut df, mut impossible) = (0.0, 0, false);
    for a in audits.iter().filter(|a| a.appellants > 0) {
        let n = a.appellants as f64;
        let expected = [a.segment.fraction * n, (1.0 - a.segment.fraction) * n];
        for (e, o) in expected
            .into_iter()
            .zip([a.treatment, a.appellants - a.treatment])
        {
            if e > 0.0 {
                chi_square += (o as f64 - e).powi(2) / e;
            } else if o > 0 {
                impossible = true;
            }
        }
        df += 1;
    }
    (chi_square, df, impossible)
}

/// A split this far from the configured fraction raises the split alarm: it happens by
/// chance less than once in a thousand periods, so it is far likelier a fault (a wrong
/// fraction in use, a broken draw) than luck.
pub const SPLIT_ALARM_P: f64 = 0.001;

impl AssignmentAudit {
    /// The period whose split deviates from its fraction beyond [`SPLIT_ALARM_P`] (the
    /// furthest, if several), by the exact binomial test.
    pub fn split_alarm(&self) -> Option<&SegmentAudit> {
        self.segments
            .iter()
            .filter(|s| s.p_value.is_some_and(|p| p < SPLIT_ALARM_P))
            .min_by(|a, b| {
                let p = |s: &SegmentAudit| s.p_value.unwrap_or(1.0);
                p(a).total_cmp(&p(b))
            })
    }
}

#[cfg(test)]
mod tests;
