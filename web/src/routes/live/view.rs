//! What the live view shows, for the page and the events alike: who may see which
//! subreddits, the headline comparison and the totals (the readout's own numbers:
//! `readout::compute` on the stored rows, counted as the results page counts them, with its
//! anytime-valid interval: a page watched all day needs one), the last 30 days, and the
//! recent activity.

use actix_session::Session;
use appealmod_shared::config::ModmailLinks;
use chrono::{DateTime, Utc};
use serde::Serialize;

use appealmod_core::readout::{self, Period, Readout, ReadoutRow, Rules};
use appealmod_shared::domain::{Group, SubredditName};
use appealmod_shared::storage::{Activity, ActivityKind, ReadoutFilter, Store, StoreError};

use super::fingerprint;
use crate::console::access::{clear_for, fresh_and_allowed, require_login};
use crate::console::{FRESH, LoggedIn, login_path, when};
use crate::errors::PageError;
use crate::routes::results::AnswerView;
use crate::startup::AppState;

/// The subreddits one view counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every subreddit (operators).
    All,
    /// These (a moderator's signed-up subreddits, or the one of `?r=`).
    Only(Vec<SubredditName>),
}

/// Who is looking, at what, and what else they could pick.
#[derive(Debug, Clone)]
pub struct Access {
    pub user: LoggedIn,
    pub scope: Scope,
    /// The subreddit of `?r=`, when one was asked for.
    pub one: Option<SubredditName>,
    /// Every subreddit this user may watch, for the page's choice.
    pub choices: Vec<SubredditName>,
}

/// Logs in, then clears the user for `r` (its moderator or an operator, else 404) or for
/// everything they may watch.
pub async fn access(
    state: &AppState,
    session: &Session,
    here: &str,
    r: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Access, PageError> {
    let who = require_login(state, session, here, now).await?;
    let operator = state
        .console
        .as_ref()
        .is_some_and(|c| c.is_operator(&who.user));
    let choices = if operator {
        let all = state.store.subreddit_statuses().await?;
        all.into_iter().map(|s| s.name).collect()
    } else {
        let rows = state.store.moderated_by(&who.user).await?;
        // As on the dashboard: what Reddit said must be recent, else log in again.
        if !rows.is_empty() && rows.iter().all(|r| now - r.seen_at > FRESH) {
            return Err(PageError::LoginRequired(login_path(here)));
        }
        let mut mine = Vec::new();
        for row in rows {
            let signed_up = state
                .store
                .subreddit_status(&row.subreddit)
                .await?
                .is_some();
            if signed_up && fresh_and_allowed(&row, now) == Some(true) {
                mine.push(row.subreddit);
            }
        }
        mine
    };
    let (user, scope, one) = match r.filter(|s| !s.is_empty()) {
        Some(sub) => {
            let cleared = clear_for(state, who, sub, here, now).await?;
            let name = cleared.subreddit.name;
            (cleared.user, Scope::Only(vec![name.clone()]), Some(name))
        }
        None if operator => (who, Scope::All, None),
        None => (who, Scope::Only(choices.clone()), None),
    };
    Ok(Access {
        user,
        scope,
        one,
        choices,
    })
}

/// The totals, as the readout counts them (treatment and control together unless named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub appeals: u64,
    pub treatment: u64,
    pub control: u64,
    /// Treatment appeals whose link is on Reddit.
    pub links_sent: u64,
    pub submitted: u64,
    pub completed: u64,
    pub granted: u64,
    pub denied: u64,
    pub pending: u64,
}

impl From<&Readout> for Totals {
    fn from(r: &Readout) -> Self {
        let (t, c) = (&r.treatment, &r.control);
        Self {
            appeals: t.appeals + c.appeals,
            treatment: t.appeals,
            control: c.appeals,
            links_sent: t.contacted,
            submitted: t.submitted,
            completed: t.completed,
            granted: t.granted + c.granted,
            denied: t.denied + c.denied,
            pending: t.pending + c.pending,
        }
    }
}

/// The verdict on the primary outcome (reached the moderators), as the results page words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    pub sentence: String,
    /// How many appeals are still open and not yet counted.
    pub open: String,
}

impl From<&Readout> for Headline {
    fn from(r: &Readout) -> Self {
        let a = AnswerView::of(&r.comparison.reached_moderators);
        Self {
            sentence: a.sentence,
            open: a.open,
        }
    }
}

/// Appeals begun in the last 30 days, and how many of those were completed (the readout's
/// period: rows are chosen by when the appeal began).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recent {
    pub appeals: u64,
    pub completed: u64,
}

/// One line of the activity list, formatted as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityItem {
    /// `new_appeal`, `link_sent`, … (a CSS class too).
    pub kind: &'static str,
    pub label: &'static str,
    pub when: String,
    /// ISO 8601, for `<time datetime>`.
    pub at: String,
    /// As the console's appeal list shows it (without `u/`).
    pub user: String,
    pub subreddit: String,
    pub group: &'static str,
    pub modmail: Option<String>,
}

fn label(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::NewAppeal => "New appeal",
        ActivityKind::LinkSent => "Link sent",
        ActivityKind::Reminder => "Reminder sent",
        ActivityKind::Submitted => "Form submitted",
        ActivityKind::Completed => "Completed",
        ActivityKind::Granted => "Granted",
    }
}

impl ActivityItem {
    fn of(a: &Activity, links: &ModmailLinks) -> Self {
        Self {
            kind: a.kind.as_str(),
            label: label(a.kind),
            when: when(Some(a.at)),
            at: a.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            user: a.username.to_string(),
            subreddit: a.subreddit.to_string(),
            group: match a.group {
                Group::Treatment => "treatment",
                Group::Control => "control",
            },
            modmail: a.conversation_id.as_ref().map(|c| links.conversation(c)),
        }
    }
}

/// Everything the page shows and each event carries. Only the database and the appeals'
/// windows move it: an unchanged database gives an unchanged view (and no event) until an
/// open appeal's window passes, which shows with the next change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveView {
    pub headline: Headline,
    pub totals: Totals,
    pub last30: Recent,
    pub activity: Vec<ActivityItem>,
}

impl LiveView {
    pub async fn load(
        store: &Store,
        scope: &Scope,
        rules: &Rules,
        activity: u32,
        links: &ModmailLinks,
    ) -> Result<Self, StoreError> {
        let now = rules.now;
        let rows = rows(store, scope, Period::ALL_TIME).await?;
        // The last 30 days are a part of all time: the same selection storage makes
        // (`ReadoutFilter`'s period is `Period::contains` on `started_at`), without reading
        // the rows again.
        let last30 = Period::last_days(now, 30);
        let recent_rows: Vec<ReadoutRow> = rows
            .iter()
            .filter(|r| last30.contains(r.started_at))
            .cloned()
            .collect();
        let all = readout::compute(&rows, rules);
        let recent = readout::compute(&recent_rows, rules);
        let subs = match scope {
            Scope::All => None,
            Scope::Only(list) => Some(list.as_slice()),
        };
        let events = store.recent_activity(subs, activity).await?;
        Ok(Self {
            headline: Headline::from(&all),
            totals: Totals::from(&all),
            last30: Recent {
                appeals: recent.treatment.appeals + recent.control.appeals,
                completed: recent.treatment.completed,
            },
            activity: events.iter().map(|e| ActivityItem::of(e, links)).collect(),
        })
    }

    /// The event's data (one line of JSON) and its id, a fingerprint of that data: a
    /// browser that reconnects with the id of what it shows gets nothing until it changes.
    pub fn event(&self) -> (String, String) {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned());
        (format!("{:016x}", fingerprint(json.as_bytes())), json)
    }
}

/// The readout's rows of `scope` in `period`, one subreddit at a time for a list.
async fn rows(store: &Store, scope: &Scope, period: Period) -> Result<Vec<ReadoutRow>, StoreError> {
    match scope {
        Scope::All => {
            store
                .readout_rows(&ReadoutFilter {
                    subreddit: None,
                    period,
                })
                .await
        }
        Scope::Only(list) => {
            let mut out = Vec::new();
            for s in list {
                let f = ReadoutFilter {
                    subreddit: Some(s.clone()),
                    period,
                };
                out.extend(store.readout_rows(&f).await?);
            }
            Ok(out)
        }
    }
}
