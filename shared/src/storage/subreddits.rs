//! Subreddits: their state (pending → active ⇄ paused), the settings moderators edit in the
//! console, and the bot's own check of its standing there.

use appealmod_core::decide::verdict::DecisionTemplates;
use appealmod_core::decide::verify::PENDING_CHECKS_PER_PASS;
use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;

use super::audit::FieldChange;
use super::column::{Flag, Millis, Text, read, stored_enum};
use super::{EffectState, Result, Store, StoreError, Tx};
use crate::domain::{
    BotStanding, FormQuestions, Language, Messages, ModPermissions, RedditUsername, SubredditName,
    SubredditState,
};

stored_enum!(SubredditState {
    Pending => "pending",
    Active => "active",
    Paused => "paused",
});

stored_enum!(Language {
    English => "en",
    German => "de",
    French => "fr",
    Spanish => "es",
    PortugueseBrazil => "pt-BR",
});

/// The settings are one capability in core (overrides, defaults, resolution, audit diff);
/// this file only persists the overrides.
pub use appealmod_core::settings::{MOD_NOTES_FIELD, SubredditSettings};

const COLUMNS: &str = "display_name, state, treatment_fraction, messages, form_questions, \
     decision_templates, appeal_cooldown_days, max_reminders, link_ttl_days, \
     unappealable_marker, blocklist, reddit_mod_notes, language, recusal, public_debrief";

/// One row of [`COLUMNS`], read by column name.
#[derive(sqlx::FromRow)]
struct SettingsRow {
    display_name: Text<SubredditName>,
    state: Text<SubredditState>,
    treatment_fraction: Option<f64>,
    messages: Option<Text<Messages>>,
    form_questions: Option<Text<FormQuestions>>,
    decision_templates: Option<Text<DecisionTemplates>>,
    appeal_cooldown_days: Option<i64>,
    max_reminders: Option<i64>,
    link_ttl_days: Option<i64>,
    unappealable_marker: Option<String>,
    blocklist: Option<Text<Blocklist>>,
    reddit_mod_notes: Option<Flag>,
    language: Option<Text<Language>>,
    recusal: Option<Flag>,
    public_debrief: Option<Flag>,
}

/// The blocklist column: a JSON array of usernames.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Blocklist(pub Vec<RedditUsername>);

impl super::column::FromText for Blocklist {
    fn from_text(s: &str) -> std::result::Result<Self, String> {
        serde_json::from_str(s)
            .map(Blocklist)
            .map_err(|e| format!("invalid JSON: {e}"))
    }
}

fn small(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

impl From<SettingsRow> for SubredditSettings {
    fn from(r: SettingsRow) -> Self {
        Self {
            name: r.display_name.0,
            state: r.state.0,
            treatment_fraction: r.treatment_fraction,
            messages: r.messages.map(|m| m.0),
            form_questions: r.form_questions.map(|q| q.0),
            decision_templates: r.decision_templates.map(|t| t.0),
            appeal_cooldown_days: small(r.appeal_cooldown_days),
            max_reminders: small(r.max_reminders),
            link_ttl_days: small(r.link_ttl_days),
            unappealable_marker: r.unappealable_marker,
            blocklist: r.blocklist.map(|b| b.0.0).unwrap_or_default(),
            reddit_mod_notes: r.reddit_mod_notes.map(|f| f.0),
            language: r.language.map(|l| l.0),
            recusal: r.recusal.map(|f| f.0),
            public_debrief: r.public_debrief.map(|f| f.0),
        }
    }
}

fn settings_from_row(row: &AnyRow) -> Result<SubredditSettings> {
    read::<SettingsRow>(row, "subreddits").map(SubredditSettings::from)
}

fn to_json<T: serde::Serialize>(v: Option<&T>) -> Result<Option<String>> {
    v.map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::corrupt(e.to_string()))
}

/// The bot lacks a permission it needs in a subreddit (a 401/403 on a write, or its check).
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionProblem {
    pub subreddit: SubredditName,
    pub since: DateTime<Utc>,
    pub error: String,
}

#[derive(sqlx::FromRow)]
struct PermissionRow {
    display_name: Text<SubredditName>,
    permission_lost_at: Millis,
    permission_error: Option<String>,
}

/// What the bot's check found, as stored: the kind, and the permissions it lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StandingKind {
    Ready,
    Missing,
    NotModerator,
    NotFound,
}

stored_enum!(StandingKind {
    Ready => "ready",
    Missing => "missing",
    NotModerator => "not_moderator",
    NotFound => "not_found",
});

fn standing_columns(s: &BotStanding) -> (Option<Text<StandingKind>>, Option<String>) {
    let kind = match s {
        BotStanding::Unchecked => None,
        BotStanding::Ready => Some(StandingKind::Ready),
        BotStanding::Missing(_) => Some(StandingKind::Missing),
        BotStanding::NotModerator => Some(StandingKind::NotModerator),
        BotStanding::NotFound => Some(StandingKind::NotFound),
    };
    let missing = match s {
        BotStanding::Missing(m) => Some(ModPermissions::new(m.iter().cloned()).to_names()),
        _ => None,
    };
    (kind.map(Text), missing)
}

fn standing_from(kind: Option<StandingKind>, missing: Option<&str>) -> BotStanding {
    match kind {
        None => BotStanding::Unchecked,
        Some(StandingKind::Ready) => BotStanding::Ready,
        Some(StandingKind::NotModerator) => BotStanding::NotModerator,
        Some(StandingKind::NotFound) => BotStanding::NotFound,
        Some(StandingKind::Missing) => BotStanding::Missing(
            ModPermissions::parse_names(missing.unwrap_or_default())
                .iter()
                .cloned()
                .collect(),
        ),
    }
}

/// A subreddit as the console shows it: state, the bot's standing, who signed it up.
#[derive(Debug, Clone, PartialEq)]
pub struct SubredditStatus {
    pub name: SubredditName,
    pub state: SubredditState,
    pub standing: BotStanding,
    pub checked_at: Option<DateTime<Utc>>,
    pub next_check_at: Option<DateTime<Utc>>,
    /// Set while the bot lacks a permission ("needs attention").
    pub permission_problem: Option<(DateTime<Utc>, String)>,
    pub signed_up_by: Option<RedditUsername>,
    pub signed_up_at: Option<DateTime<Utc>>,
    /// The bot account that serves it (the one its moderators invite).
    pub bot_account: super::ServingAccount,
}

impl SubredditStatus {
    pub fn needs_attention(&self) -> bool {
        self.permission_problem.is_some()
    }

    /// A pending sign-up the bot stopped checking (a week of checks found no invite):
    /// the console's "Check now" starts them over.
    pub fn checks_stopped(&self) -> bool {
        self.state == SubredditState::Pending && self.next_check_at.is_none()
    }
}

const STATUS_COLUMNS: &str = "r.display_name, r.state, r.bot_standing, r.bot_missing, r.checked_at, \
     r.next_check_at, r.permission_lost_at, r.permission_error, s.reddit_username AS signed_up_by, \
     s.created_at AS signed_up_at, r.bot_account";

#[derive(sqlx::FromRow)]
struct StatusRow {
    display_name: Text<SubredditName>,
    state: Text<SubredditState>,
    bot_standing: Option<Text<StandingKind>>,
    bot_missing: Option<String>,
    checked_at: Option<Millis>,
    next_check_at: Option<Millis>,
    permission_lost_at: Option<Millis>,
    permission_error: Option<String>,
    signed_up_by: Option<Text<RedditUsername>>,
    signed_up_at: Option<Millis>,
    bot_account: Text<super::ServingAccount>,
}

impl From<StatusRow> for SubredditStatus {
    fn from(r: StatusRow) -> Self {
        Self {
            name: r.display_name.0,
            state: r.state.0,
            standing: standing_from(r.bot_standing.map(|k| k.0), r.bot_missing.as_deref()),
            checked_at: r.checked_at.map(|t| t.0),
            next_check_at: r.next_check_at.map(|t| t.0),
            permission_problem: r
                .permission_lost_at
                .map(|t| (t.0, r.permission_error.unwrap_or_default())),
            signed_up_by: r.signed_up_by.map(|u| u.0),
            signed_up_at: r.signed_up_at.map(|t| t.0),
            bot_account: r.bot_account.0,
        }
    }
}

fn status_select(where_clause: &str) -> String {
    format!(
        "SELECT {STATUS_COLUMNS} FROM subreddits r LEFT JOIN signups s ON s.subreddit = r.name \
         {where_clause}"
    )
}

/// A subreddit due for the bot's check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckTarget {
    pub name: SubredditName,
    pub state: SubredditState,
    pub failed_checks: u32,
    /// A moderator opened its console recently (the check renews who may use it).
    pub console_used_at: Option<DateTime<Utc>>,
    /// The bot's standing as its last check found it.
    pub standing: BotStanding,
    /// Since when it needs attention (the bot lacks what it needs), if it does.
    pub attention_since: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CheckRow {
    display_name: Text<SubredditName>,
    state: Text<SubredditState>,
    failed_checks: i64,
    console_used_at: Option<Millis>,
    bot_standing: Option<Text<StandingKind>>,
    bot_missing: Option<String>,
    permission_lost_at: Option<Millis>,
}

/// What one check decided, written in one transaction.
#[derive(Debug, Clone)]
pub struct CheckRecord<'a> {
    pub name: &'a SubredditName,
    pub standing: &'a BotStanding,
    /// The new state, when it changes (recorded in the audit log as `actor`'s change).
    pub new_state: Option<SubredditState>,
    pub failed_checks: u32,
    pub next_check_at: DateTime<Utc>,
    /// The subreddit's moderator list as read, when it was (it renews console access).
    pub moderators: Option<&'a [crate::domain::SubredditModerator]>,
    pub actor: &'a str,
}

impl Store {
    /// Records that the bot lacks a permission in `name`. True when this is news (the
    /// caller alerts once, not on every held entry). News also makes the bot's check of
    /// the subreddit due at once: a write refused with 401/403 may be the first sign that
    /// the bot was removed, and from that check on it is re-checked every few minutes
    /// instead of daily (the check itself sets the flag first, then its own schedule).
    pub async fn set_permission_lost(
        &self,
        name: &SubredditName,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE subreddits SET permission_lost_at = $2, permission_error = $3, \
               next_check_at = $2, updated_at = $2 \
             WHERE name = $1 AND permission_lost_at IS NULL",
        )
        .bind(name.key())
        .bind(Millis(now))
        .bind(error)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A write went through: the permission is back. True when it had been lost.
    pub async fn clear_permission_lost(
        &self,
        name: &SubredditName,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE subreddits SET permission_lost_at = NULL, permission_error = NULL, updated_at = $2 \
             WHERE name = $1 AND permission_lost_at IS NOT NULL",
        )
        .bind(name.key())
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The bot is back in `name` (its check found it ready where it had lacked something, or
    /// it accepted a new invite): the writes held there for lack of permission (401/403,
    /// retried every `bot.permission_retry_minutes`) are due at once, to go out on the
    /// sender's next pass. They stay marked as held, so the first that goes through also
    /// clears the subreddit's flag as usual. Returns how many.
    pub async fn release_held_writes(
        &self,
        name: &SubredditName,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE journal SET not_before = $2, updated_at = $2 \
             WHERE state = $3 AND held_since IS NOT NULL AND not_before > $2 \
               AND conversation_id IN ( \
                 SELECT c.conversation_id FROM appellant_conversations c \
                 JOIN appellants a ON a.id = c.appellant_id WHERE a.subreddit = $1)",
        )
        .bind(name.key())
        .bind(Millis(now))
        .bind(Text(EffectState::Pending))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Subreddits where the bot lacks a permission ("needs attention" in the console).
    pub async fn permission_problems(&self) -> Result<Vec<PermissionProblem>> {
        let rows = sqlx::query(
            "SELECT display_name, permission_lost_at, permission_error FROM subreddits \
             WHERE permission_lost_at IS NOT NULL ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                read::<PermissionRow>(r, "subreddits").map(|p| PermissionProblem {
                    subreddit: p.display_name.0,
                    since: p.permission_lost_at.0,
                    error: p.permission_error.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Adds a subreddit from the configuration (active: the operator vouches for it) if it
    /// is not there yet; leaves existing ones alone. The bot's first check of it is a day
    /// later, so a restart costs no Reddit call.
    pub async fn ensure_subreddit(&self, name: &SubredditName, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, state, next_check_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.key())
        .bind(name.as_str())
        .bind(Text(SubredditState::Active))
        .bind(Millis(now + Duration::days(1)))
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Creates or replaces a subreddit's settings and state (tests, operators' scripts). The
    /// console goes through [`Store::update_settings`], which keeps the audit log.
    pub async fn save_subreddit(&self, s: &SubredditSettings, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO subreddits (name, display_name, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO UPDATE SET state = excluded.state",
        )
        .bind(s.name.key())
        .bind(s.name.as_str())
        .bind(Text(s.state))
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        tx.write_settings(s, now).await?;
        tx.commit().await
    }

    pub async fn subreddit(&self, name: &SubredditName) -> Result<Option<SubredditSettings>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM subreddits WHERE name = $1"))
            .bind(name.key())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// The subreddits the runners serve (active or paused; never pending), in name order.
    /// Paused ones are listed so that what was promised to their appellants still happens.
    pub async fn enabled_subreddits(&self) -> Result<Vec<SubredditSettings>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM subreddits WHERE state IN ($1, $2) ORDER BY name"
        ))
        .bind(Text(SubredditState::Active))
        .bind(Text(SubredditState::Paused))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(settings_from_row).collect()
    }

    /// Console settings, with one audit row per changed field, in one transaction. Reads the
    /// stored settings inside the transaction, so that two moderators saving at once each
    /// record what they really changed. Returns the changes (none: nothing was written).
    pub async fn update_settings(
        &self,
        new: &SubredditSettings,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<FieldChange>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM subreddits WHERE name = $1"))
            .bind(new.name.key())
            .fetch_optional(tx.conn())
            .await?;
        let Some(old) = row.as_ref().map(settings_from_row).transpose()? else {
            tx.rollback().await?;
            return Err(StoreError::corrupt(format!(
                "subreddit {} vanished",
                new.name
            )));
        };
        let changes = old.changes_to(new);
        if changes.is_empty() {
            tx.rollback().await?;
            return Ok(changes);
        }
        tx.write_settings(new, now).await?;
        for c in &changes {
            tx.audit(&new.name, actor, c, now).await?;
        }
        tx.commit().await?;
        Ok(changes)
    }

    /// Pause or resume from the console. False when the subreddit is not in a state that
    /// allows it (pending cannot be paused; the bot activates it).
    pub async fn set_subreddit_state(
        &self,
        name: &SubredditName,
        to: SubredditState,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let from = match to {
            SubredditState::Paused => SubredditState::Active,
            SubredditState::Active => SubredditState::Paused,
            SubredditState::Pending => return Ok(false),
        };
        let mut tx = self.begin().await?;
        if !tx.move_state(name, from, to, now).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let change = FieldChange::state(from, to);
        tx.audit(name, actor, &change, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Subreddits whose check is due, soonest first: `limit` at most, of which pending
    /// sign-ups [`PENDING_CHECKS_PER_PASS`] at most (a flood of them cannot take every
    /// check of a pass).
    pub async fn due_checks(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<CheckTarget>> {
        self.due_checks_in(super::AccountFilter::Any, now, limit)
            .await
    }

    /// [`Store::due_checks`] of the subreddits one bot account serves (each account checks
    /// its own standing).
    pub async fn due_checks_in(
        &self,
        account: super::AccountFilter<'_>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<CheckTarget>> {
        let rows = sqlx::query(
            "SELECT display_name, state, failed_checks, console_used_at, bot_standing, \
               bot_missing, permission_lost_at \
             FROM subreddits WHERE next_check_at IS NOT NULL AND next_check_at <= $1 \
               AND ($5 = '*' OR bot_account = $5) \
               AND (state <> $3 OR name IN (SELECT name FROM subreddits \
                 WHERE state = $3 AND next_check_at IS NOT NULL AND next_check_at <= $1 \
                   AND ($5 = '*' OR bot_account = $5) \
                 ORDER BY next_check_at, name LIMIT $4)) \
             ORDER BY next_check_at, name LIMIT $2",
        )
        .bind(Millis(now))
        .bind(i64::from(limit))
        .bind(Text(SubredditState::Pending))
        .bind(i64::from(PENDING_CHECKS_PER_PASS))
        .bind(account.bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let c: CheckRow = read(r, "subreddits")?;
                Ok(CheckTarget {
                    name: c.display_name.0,
                    state: c.state.0,
                    failed_checks: u32::try_from(c.failed_checks).unwrap_or(u32::MAX),
                    console_used_at: c.console_used_at.map(|t| t.0),
                    standing: standing_from(c.bot_standing.map(|k| k.0), c.bot_missing.as_deref()),
                    attention_since: c.permission_lost_at.map(|t| t.0),
                })
            })
            .collect()
    }

    /// Writes what a check found: standing, schedule, a state change (audited), the
    /// moderator list, in one transaction. The "needs attention" flag is set and cleared
    /// with [`Store::set_permission_lost`] / [`Store::clear_permission_lost`], as the sender
    /// does.
    pub async fn record_check(&self, c: &CheckRecord<'_>, now: DateTime<Utc>) -> Result<()> {
        let (kind, missing) = standing_columns(c.standing);
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE subreddits SET bot_standing = $2, bot_missing = $3, checked_at = $4, \
               next_check_at = $5, failed_checks = $6, updated_at = $4 WHERE name = $1",
        )
        .bind(c.name.key())
        .bind(kind)
        .bind(missing)
        .bind(Millis(now))
        .bind(Millis(c.next_check_at))
        .bind(i64::from(c.failed_checks))
        .execute(tx.conn())
        .await?;
        if let Some(to) = c.new_state {
            let from = SubredditState::Pending;
            if tx.move_state(c.name, from, to, now).await? {
                tx.audit(c.name, c.actor, &FieldChange::state(from, to), now)
                    .await?;
            }
        }
        if let Some(mods) = c.moderators {
            tx.replace_moderators(c.name, mods, now).await?;
        }
        tx.commit().await
    }

    /// No more checks of a pending sign-up (a week of them found no invite), until the
    /// console's "Check now" ([`Store::request_check`]).
    pub async fn stop_checking(&self, name: &SubredditName) -> Result<()> {
        sqlx::query("UPDATE subreddits SET next_check_at = NULL WHERE name = $1 AND state = $2")
            .bind(name.key())
            .bind(Text(SubredditState::Pending))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A check that could not reach Reddit: try again at `at`; nothing else changes.
    pub async fn postpone_check(
        &self,
        name: &SubredditName,
        at: DateTime<Utc>,
        failed_checks: u32,
    ) -> Result<()> {
        sqlx::query("UPDATE subreddits SET next_check_at = $2, failed_checks = $3 WHERE name = $1")
            .bind(name.key())
            .bind(Millis(at))
            .bind(i64::from(failed_checks))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// "Check now" on the console: the bot looks at its next pass, and a pending
    /// subreddit's backoff starts over.
    pub async fn request_check(&self, name: &SubredditName, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE subreddits SET next_check_at = $2, failed_checks = 0 WHERE name = $1")
            .bind(name.key())
            .bind(Millis(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A moderator opened the console: the bot re-checks who moderates it within the hour,
    /// so that a removed moderator loses access and the others keep it without logging in
    /// again. Written at most every ten minutes per subreddit.
    pub async fn note_console_use(&self, name: &SubredditName, now: DateTime<Utc>) -> Result<()> {
        let soon = now + Duration::minutes(50);
        sqlx::query(
            "UPDATE subreddits SET console_used_at = $2, \
               next_check_at = CASE WHEN next_check_at IS NULL OR next_check_at > $3 THEN $3 \
                                    ELSE next_check_at END \
             WHERE name = $1 AND (console_used_at IS NULL OR console_used_at < $4)",
        )
        .bind(name.key())
        .bind(Millis(now))
        .bind(Millis(soon))
        .bind(Millis(now - Duration::minutes(10)))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn subreddit_status(&self, name: &SubredditName) -> Result<Option<SubredditStatus>> {
        let row = sqlx::query(&status_select("WHERE r.name = $1"))
            .bind(name.key())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| read::<StatusRow>(&r, "subreddits").map(SubredditStatus::from))
            .transpose()
    }

    /// Every subreddit the bot knows, in name order (the operators' dashboard).
    pub async fn subreddit_statuses(&self) -> Result<Vec<SubredditStatus>> {
        let rows = sqlx::query(&status_select("ORDER BY r.name"))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| read::<StatusRow>(r, "subreddits").map(SubredditStatus::from))
            .collect()
    }
}

impl Tx {
    /// Every console setting of `s` (not its state).
    async fn write_settings(&mut self, s: &SubredditSettings, now: DateTime<Utc>) -> Result<()> {
        let blocklist = (!s.blocklist.is_empty())
            .then(|| serde_json::to_string(&s.blocklist))
            .transpose()
            .map_err(|e| StoreError::corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE subreddits SET treatment_fraction = $2, messages = $3, form_questions = $4, \
               appeal_cooldown_days = $5, max_reminders = $6, link_ttl_days = $7, \
               unappealable_marker = $8, blocklist = $9, reddit_mod_notes = $10, updated_at = $11, \
               decision_templates = $12, language = $13, recusal = $14, public_debrief = $15 \
             WHERE name = $1",
        )
        .bind(s.name.key())
        .bind(s.treatment_fraction)
        .bind(to_json(s.messages.as_ref())?)
        .bind(to_json(s.form_questions.as_ref())?)
        .bind(s.appeal_cooldown_days.map(i64::from))
        .bind(s.max_reminders.map(i64::from))
        .bind(s.link_ttl_days.map(i64::from))
        .bind(s.unappealable_marker.clone())
        .bind(blocklist)
        .bind(s.reddit_mod_notes.map(Flag))
        .bind(Millis(now))
        .bind(to_json(s.decision_templates.as_ref())?)
        .bind(s.language.map(Text))
        .bind(s.recusal.map(Flag))
        .bind(s.public_debrief.map(Flag))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves `name` from `from` to `to`; false when it was not in `from`.
    async fn move_state(
        &mut self,
        name: &SubredditName,
        from: SubredditState,
        to: SubredditState,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE subreddits SET state = $3, updated_at = $4 WHERE name = $1 AND state = $2",
        )
        .bind(name.key())
        .bind(Text(from))
        .bind(Text(to))
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
