//! Analysis plans (`analysis_plans`): each subreddit's frozen versions, never updated. A
//! version is read back from its columns and checked against the canonical text and the
//! fingerprint stored with it, so a row edited behind the site's back is an error, not a
//! silently different plan.

use chrono::NaiveDate;

use appealmod_core::readout::definitions::Metric;
use appealmod_core::readout::plan::{Permille, Plan, PlanChoice, Power};

use super::audit::FieldChange;
use super::column::{Millis, Text, read};
use super::{Result, Store, StoreError};
use crate::domain::{RedditUsername, SubredditName};
use crate::fingerprint::Fingerprint;

/// The audit log's field for plan versions: old and new values are "v{n} {fingerprint}".
pub const PLAN_FIELD: &str = "analysis_plan";

#[derive(sqlx::FromRow)]
struct PlanRow {
    subreddit: Text<SubredditName>,
    version: i64,
    metric: String,
    baseline: i64,
    effect: i64,
    power: i64,
    fraction: f64,
    planned_appeals: i64,
    ends_on: String,
    counts_from: Millis,
    frozen_at: Millis,
    frozen_by: Text<RedditUsername>,
    canonical: String,
    fingerprint: String,
}

impl PlanRow {
    fn into_plan(self) -> Result<Plan> {
        let bad = |what: &str| {
            StoreError::Corrupt(format!(
                "analysis_plans: r/{} version {}: {what}",
                self.subreddit.0, self.version
            ))
        };
        let share = |v: i64| u16::try_from(v).ok().and_then(Permille::new);
        let choice = PlanChoice {
            metric: Metric::parse(&self.metric).ok_or_else(|| bad("metric"))?,
            baseline: share(self.baseline).ok_or_else(|| bad("baseline"))?,
            effect: share(self.effect).ok_or_else(|| bad("effect"))?,
            power: u8::try_from(self.power)
                .ok()
                .and_then(Power::from_percent)
                .ok_or_else(|| bad("power"))?,
            ends_on: NaiveDate::parse_from_str(&self.ends_on, "%Y-%m-%d")
                .map_err(|_| bad("ends_on"))?,
        };
        let plan = Plan {
            subreddit: self.subreddit.0.clone(),
            version: u32::try_from(self.version).map_err(|_| bad("version"))?,
            choice,
            fraction: self.fraction,
            planned_appeals: u64::try_from(self.planned_appeals)
                .map_err(|_| bad("planned_appeals"))?,
            counts_from: self.counts_from.0,
            frozen_at: self.frozen_at.0,
            frozen_by: self.frozen_by.0.clone(),
        };
        if plan.canonical_text() != self.canonical || plan.fingerprint() != self.fingerprint {
            return Err(bad(
                "its columns do not match its frozen text and fingerprint",
            ));
        }
        Ok(plan)
    }
}

fn audit_value(p: &Plan) -> String {
    format!("v{} {}", p.version, p.fingerprint())
}

impl Store {
    /// Every version of `sub`'s plan, newest first.
    pub async fn analysis_plans(&self, sub: &SubredditName) -> Result<Vec<Plan>> {
        let rows = sqlx::query(
            "SELECT r.display_name AS subreddit, p.version, p.metric, p.baseline, p.effect, \
               p.power, p.fraction, p.planned_appeals, p.ends_on, p.counts_from, p.frozen_at, \
               p.frozen_by, p.canonical, p.fingerprint \
             FROM analysis_plans p JOIN subreddits r ON r.name = p.subreddit \
             WHERE p.subreddit = $1 ORDER BY p.version DESC",
        )
        .bind(sub.key())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| read::<PlanRow>(r, "analysis_plans")?.into_plan())
            .collect()
    }

    /// The plan in force: the newest version.
    pub async fn analysis_plan(&self, sub: &SubredditName) -> Result<Option<Plan>> {
        Ok(self.analysis_plans(sub).await?.into_iter().next())
    }

    /// Stores `plan` as the next version of its subreddit's plan, with its audit entry
    /// (`actor` froze it), in one transaction. False, and nothing written, when its version
    /// is not the next one (someone froze another version since the form was read).
    pub async fn freeze_plan(&self, plan: &Plan, previous: Option<&Plan>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM analysis_plans WHERE subreddit = $1")
                .bind(plan.subreddit.key())
                .fetch_one(tx.conn())
                .await?;
        if latest.unwrap_or(0) + 1 != i64::from(plan.version) {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO analysis_plans (subreddit, version, metric, baseline, effect, power, \
               fraction, planned_appeals, ends_on, counts_from, frozen_at, frozen_by, canonical, \
               fingerprint) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(plan.subreddit.key())
        .bind(i64::from(plan.version))
        .bind(plan.choice.metric.key())
        .bind(i64::from(plan.choice.baseline.tenths()))
        .bind(i64::from(plan.choice.effect.tenths()))
        .bind(i64::from(plan.choice.power.percent()))
        .bind(plan.fraction)
        .bind(i64::try_from(plan.planned_appeals).unwrap_or(i64::MAX))
        .bind(plan.choice.ends_on.format("%Y-%m-%d").to_string())
        .bind(Millis(plan.counts_from))
        .bind(Millis(plan.frozen_at))
        .bind(plan.frozen_by.as_str())
        .bind(plan.canonical_text())
        .bind(plan.fingerprint())
        .execute(tx.conn())
        .await;
        if let Err(e) = inserted {
            let e = StoreError::from(e);
            // Another freeze of the same version committed between the check and the insert.
            return if e.is_conflict() { Ok(false) } else { Err(e) };
        }
        let change = FieldChange {
            field: PLAN_FIELD.to_owned(),
            old: previous.map(audit_value),
            new: Some(audit_value(plan)),
        };
        tx.audit(
            &plan.subreddit,
            plan.frozen_by.as_str(),
            &change,
            plan.frozen_at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
