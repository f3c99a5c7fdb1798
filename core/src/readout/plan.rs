//! The analysis plan: what a subreddit's experiment will be judged on, written down before
//! the answer is known, as CivilServant publishes its plans before a study starts. A plan
//! names the primary comparison, the smallest effect worth detecting, the power wanted and
//! an end date; the number of appeals it needs follows from those ([`planned_appeals`]).
//!
//! A frozen plan never changes: changing it freezes a new version (storage keeps every
//! version and the audit log says who froze which). Its [`Plan::canonical_text`] is the
//! plan in words, one fact a line, and its fingerprint the SHA-256 of that text
//! (`appealmod_shared::fingerprint`: this crate computes no hash): anyone holding the text
//! can check that the plan shown is the one frozen.

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use super::ReadoutRow;
use super::definitions::Metric;
use super::stats::Z_95;
use crate::domain::{RedditUsername, SubredditName};

impl Metric {
    /// Every comparison, the primary one of the page first.
    pub const ALL: [Self; 3] = [Self::Reached, Self::Granted, Self::ToxicReached];

    /// Its name in plans and forms.
    pub fn key(self) -> &'static str {
        match self {
            Self::Reached => "reached_moderators",
            Self::ToxicReached => "toxic_reached_moderators",
            Self::Granted => "granted",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    /// What it measures, as the results page titles it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reached => "Appeals that reached the moderators",
            Self::ToxicReached => "Toxic appeals that reached the moderators",
            Self::Granted => "Grant rate",
        }
    }

    /// The control group's share when it is fixed by definition: every control appeal
    /// reaches the moderators (the bot never touches it).
    pub fn fixed_control_share(self) -> Option<Permille> {
        (self == Self::Reached).then_some(Permille::WHOLE)
    }
}

/// A share or a difference of shares in tenths of a per cent (150 = 15.0 %): what a
/// moderator types ("15", "12.5"), held exactly, so the canonical text and the stored
/// plan never disagree by a rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Permille(u16);

impl Permille {
    pub const WHOLE: Self = Self(1000);

    /// "15", "15.0", "12.5" or "12,5" per cent, 0 to 100 with at most one decimal.
    pub fn parse_percent(input: &str) -> Result<Self, PlanError> {
        let s = input.trim().trim_end_matches('%').trim().replace(',', ".");
        let (whole, tenth) = match s.split_once('.') {
            Some((w, t)) if t.len() == 1 => (w, t),
            Some(_) => return Err(PlanError::Percent(input.trim().to_owned())),
            None => (s.as_str(), "0"),
        };
        let digits =
            |d: &str| !d.is_empty() && d.len() <= 3 && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(tenth) {
            return Err(PlanError::Percent(input.trim().to_owned()));
        }
        let value = whole.parse::<u16>().ok().zip(tenth.parse::<u16>().ok());
        match value {
            Some((w, t)) if w * 10 + t <= 1000 => Ok(Self(w * 10 + t)),
            _ => Err(PlanError::Percent(input.trim().to_owned())),
        }
    }

    pub fn new(tenths: u16) -> Option<Self> {
        (tenths <= 1000).then_some(Self(tenths))
    }

    pub fn tenths(self) -> u16 {
        self.0
    }

    pub fn share(self) -> f64 {
        f64::from(self.0) / 1000.0
    }

    /// "15.0" (per cent, or percentage points).
    pub fn percent(self) -> String {
        format!("{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// The chance the planned comparison finds an effect of the planned size when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Power {
    P80,
    P90,
}

impl Power {
    pub const ALL: [Self; 2] = [Self::P80, Self::P90];

    pub fn percent(self) -> u8 {
        match self {
            Self::P80 => 80,
            Self::P90 => 90,
        }
    }

    pub fn from_percent(p: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.percent() == p)
    }

    /// Its standard normal quantile z₁₋β (qnorm(0.8), qnorm(0.9) in R).
    fn z(self) -> f64 {
        match self {
            Self::P80 => 0.841_621_233_572_914_3,
            Self::P90 => 1.281_551_565_544_600_9,
        }
    }
}

/// Why a plan cannot be frozen as given. The texts are the form's error messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("“{0}” is not a per cent from 0 to 100 with at most one decimal, e.g. 15 or 12.5")]
    Percent(String),
    #[error("the smallest effect worth detecting must be more than 0 points")]
    NoEffect,
    #[error(
        "an effect of {effect} points away from a control share of {baseline}% leaves 0–100%: choose a smaller effect or another share"
    )]
    EffectTooLarge { baseline: String, effect: String },
    #[error(
        "the treatment fraction is {0}: a comparison needs appeals in both groups (between 0% and 100%)"
    )]
    Fraction(String),
    #[error("the end date must be after today ({0})")]
    EndsTooSoon(NaiveDate),
}

/// What a moderator chooses; everything else in a plan follows from it and the subreddit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanChoice {
    /// The primary comparison: the one the verdict of the experiment is.
    pub metric: Metric,
    /// The share expected in the control group (fixed at 100 % for reached the moderators).
    pub baseline: Permille,
    /// The smallest difference, treatment minus control in either direction, worth
    /// detecting: in percentage points.
    pub effect: Permille,
    pub power: Power,
    /// The plan's last day (UTC): the readout at its planned size is due by then.
    pub ends_on: NaiveDate,
}

impl PlanChoice {
    /// The choice with the control share a metric fixes by definition put in.
    pub fn normalised(mut self) -> Self {
        if let Some(fixed) = self.metric.fixed_control_share() {
            self.baseline = fixed;
        }
        self
    }
}

/// Appeals (both groups together) for a two-sided 5 % test of two proportions `p_t` and
/// `p_c` to have `power`, when a share `fraction` of appeals is in the treatment group.
///
/// The normal approximation without continuity correction, for groups of unequal size:
/// Fleiss, Levin & Paik (2003), *Statistical Methods for Rates and Proportions*, 3rd ed.,
/// §4.4: with n_T = fN and n_C = (1 − f)N and p̄ = f·p_T + (1 − f)·p_C,
/// `√N·|p_T − p_C| = z₁₋α/₂·√(p̄(1 − p̄)(1/f + 1/(1 − f))) + z₁₋β·√(p_T(1 − p_T)/f + p_C(1 − p_C)/(1 − f))`.
/// With f = ½ it is the equation R's `power.prop.test` solves (its `strict = FALSE`
/// default): `power.prop.test(p1 = .50, p2 = .75, power = .90)` gives n = 76.7 a group, a
/// test below. `None` when the shares are equal or the fraction leaves a group empty.
pub fn sample_size(p_t: f64, p_c: f64, fraction: f64, power: Power) -> Option<f64> {
    let delta = (p_t - p_c).abs();
    if delta <= 0.0 || !(fraction > 0.0 && fraction < 1.0) {
        return None;
    }
    let (f, g) = (fraction, 1.0 - fraction);
    let p_bar = f * p_t + g * p_c;
    let null = Z_95 * (p_bar * (1.0 - p_bar) * (1.0 / f + 1.0 / g)).sqrt();
    let alternative = power.z() * (p_t * (1.0 - p_t) / f + p_c * (1.0 - p_c) / g).sqrt();
    Some(((null + alternative) / delta).powi(2))
}

/// The appeals `choice` needs at `fraction`, rounded up: the larger of the sizes for an
/// effect of that many points up and down from the control share (whichever stays within
/// 0–100 %), since the test is two-sided and a plan should not bet on the direction.
pub fn planned_appeals(choice: &PlanChoice, fraction: f64) -> Result<u64, PlanError> {
    let choice = choice.normalised();
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(PlanError::Fraction(format!("{:.1}%", fraction * 100.0)));
    }
    if choice.effect.tenths() == 0 {
        return Err(PlanError::NoEffect);
    }
    let (b, e) = (
        i32::from(choice.baseline.tenths()),
        i32::from(choice.effect.tenths()),
    );
    let sizes: Vec<f64> = [b - e, b + e]
        .into_iter()
        .filter(|t| (0..=1000).contains(t))
        .filter_map(|t| {
            sample_size(
                f64::from(t) / 1000.0,
                choice.baseline.share(),
                fraction,
                choice.power,
            )
        })
        .collect();
    let most = sizes.into_iter().reduce(f64::max);
    match most {
        Some(n) => Ok(n.ceil() as u64),
        None => Err(PlanError::EffectTooLarge {
            baseline: choice.baseline.percent(),
            effect: choice.effect.percent(),
        }),
    }
}

/// One frozen version of a subreddit's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub subreddit: SubredditName,
    /// 1 for the first plan; each change freezes the next.
    pub version: u32,
    pub choice: PlanChoice,
    /// The subreddit's treatment fraction when it was frozen (the size depends on it).
    pub fraction: f64,
    pub planned_appeals: u64,
    /// Appeals begun from this time on are the plan's: when its first version was frozen.
    pub counts_from: DateTime<Utc>,
    pub frozen_at: DateTime<Utc>,
    pub frozen_by: RedditUsername,
}

impl Plan {
    /// Freezes `choice` as the version after `previous` (which keeps its place in time: the
    /// plan's appeals are counted from the first version on). `None` when `choice` and
    /// `fraction` are those of `previous` already: a form sent twice freezes nothing new.
    pub fn freeze(
        subreddit: &SubredditName,
        choice: PlanChoice,
        fraction: f64,
        previous: Option<&Plan>,
        by: &RedditUsername,
        now: DateTime<Utc>,
    ) -> Result<Option<Self>, PlanError> {
        let choice = choice.normalised();
        let today = now.date_naive();
        if choice.ends_on <= today {
            return Err(PlanError::EndsTooSoon(today));
        }
        let planned_appeals = planned_appeals(&choice, fraction)?;
        if previous.is_some_and(|p| p.choice == choice && p.fraction == fraction) {
            return Ok(None);
        }
        Ok(Some(Self {
            subreddit: subreddit.clone(),
            version: previous.map_or(1, |p| p.version + 1),
            choice,
            fraction,
            planned_appeals,
            counts_from: previous.map_or(now, |p| p.counts_from),
            frozen_at: now,
            frozen_by: by.clone(),
        }))
    }

    /// The plan in words, one fact a line, `\n` line ends: what its fingerprint is of.
    /// Its wording never changes for a stored plan (a new wording would be a new first line).
    pub fn canonical_text(&self) -> String {
        let c = &self.choice;
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        [
            "appealmod analysis plan, format 1".to_owned(),
            format!("subreddit: r/{}", self.subreddit),
            format!("version: {}", self.version),
            format!(
                "primary comparison: {} ({})",
                c.metric.key(),
                c.metric.label()
            ),
            "groups: as drawn (intention to treat)".to_owned(),
            format!("control share expected: {}%", c.baseline.percent()),
            format!(
                "smallest effect worth detecting: {} percentage points, either direction",
                c.effect.percent()
            ),
            "test: two-sided, 5% significance, fixed-sample at the planned size".to_owned(),
            format!("power: {}%", c.power.percent()),
            format!("treatment fraction: {}", self.fraction),
            format!("planned appeals: {}", self.planned_appeals),
            format!("appeals begun from: {}", at(self.counts_from)),
            format!("ends on: {}", c.ends_on.format("%Y-%m-%d")),
            // Not who froze it: the text is published with the debrief, which names no
            // one; the audit log keeps who.
            format!("frozen at: {}", at(self.frozen_at)),
        ]
        .iter()
        .map(|line| format!("{line}\n"))
        .collect()
    }
}

/// How far the plan has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Appeals begun since the plan's first version (both groups).
    pub appeals: u64,
    pub planned: u64,
    /// When the planned number will have begun at the rate so far; `None` with no appeal
    /// yet (no rate) or once it is reached.
    pub projected: Option<DateTime<Utc>>,
    /// The projection falls after the plan's end date.
    pub late: bool,
}

impl Progress {
    pub fn complete(&self) -> bool {
        self.appeals >= self.planned
    }
}

/// `plan`'s progress at `now` over a subreddit's rows (any period: only those begun since
/// the plan's first version count). The rate is the plan's appeals over the time since.
pub fn progress(plan: &Plan, rows: &[ReadoutRow], now: DateTime<Utc>) -> Progress {
    let appeals = rows
        .iter()
        .filter(|r| r.started_at >= plan.counts_from)
        .count() as u64;
    let elapsed_ms = (now - plan.counts_from).num_milliseconds();
    let projected = (appeals > 0 && appeals < plan.planned_appeals && elapsed_ms > 0).then(|| {
        let per_appeal = elapsed_ms as f64 / appeals as f64;
        let remaining = (plan.planned_appeals - appeals) as f64 * per_appeal;
        now + Duration::milliseconds(remaining.min(1e15) as i64)
    });
    Progress {
        appeals,
        planned: plan.planned_appeals,
        projected,
        late: projected.is_some_and(|p| p.date_naive() > plan.choice.ends_on),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
