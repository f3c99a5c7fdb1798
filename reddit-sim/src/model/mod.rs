//! The deterministic core: every piece of simulated Reddit state, changed only through
//! methods that take `now` as an argument. No sockets, no clock, no async in here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::config::SimConfig;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::types::{BanOutcome, BanRequest, Counters, LedgerEntry, NewSubreddit};

mod bans_in_modmail;
mod folders;
mod mod_notes;
mod moderators;
mod modmail;
mod oauth;

pub use folders::Folder;
pub use mod_notes::{
    MOD_NOTE_LABELS, MOD_NOTE_MAX_CHARS, ModNote, ModNotePage, ModNoteQuery, NewModNote,
};
pub use moderators::PERMISSIONS;
pub use modmail::NewConversation;
pub use oauth::{Grant, WebAppGrant};

/// Why a control call or a bot call was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SimError {
    /// Unknown subreddit, user or conversation.
    #[error("{0} not found")]
    NotFound(String),
    /// The acting account may not do this (e.g. not a moderator).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request makes no sense in the current state.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Refused the way Reddit's API refuses it: an HTTP status and Reddit's `reason` code
    /// (`INVALID_OPTION`, `NO_TEXT`, ...) naming the form field at fault.
    #[error("{reason} ({status}){}", field.as_deref().map(|f| format!(" on `{f}`")).unwrap_or_default())]
    Api {
        /// HTTP status Reddit answers with.
        status: u16,
        /// Reddit's error code.
        reason: &'static str,
        /// The request field at fault, if any.
        field: Option<&'static str>,
        /// Reddit's human-readable explanation, if it sends one.
        explanation: Option<&'static str>,
    },
}

impl SimError {
    /// A 400 with Reddit's reason code for `field`.
    pub fn bad(reason: &'static str, field: &'static str, explanation: &'static str) -> Self {
        Self::Api {
            status: 400,
            reason,
            field: Some(field),
            explanation: Some(explanation),
        }
    }
}

/// Conversation states with Reddit's numbers (the `state` field). Mod discussions,
/// highlights and notifications are not states but flags, so they have no number here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvState {
    /// 0: nobody on the mod team has answered yet.
    New,
    /// 1: a moderator answered, or it was unarchived.
    InProgress,
    /// 2: archived; out of the default listing until the user writes again.
    Archived,
    /// 3: the Ban Appeals folder: the participant was banned when they last wrote.
    Appeals,
    /// 4: requests to join a private subreddit.
    JoinRequests,
    /// 5: held by Reddit's modmail filter.
    Filtered,
}

impl ConvState {
    /// Reddit's `state` number.
    pub fn number(self) -> u8 {
        match self {
            Self::New => 0,
            Self::InProgress => 1,
            Self::Archived => 2,
            Self::Appeals => 3,
            Self::JoinRequests => 4,
            Self::Filtered => 5,
        }
    }

    /// Reddit's name of the folder, for the HTML views.
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::InProgress => "in progress",
            Self::Archived => "archived",
            Self::Appeals => "ban appeals",
            Self::JoinRequests => "join requests",
            Self::Filtered => "filtered",
        }
    }
}

/// Whether an account is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Normal account.
    Active,
    /// `about` says `is_suspended: true`.
    Suspended,
    /// `about` answers 404; authors show `isDeleted`.
    Deleted,
}

/// A Reddit account.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Name as first written.
    pub name: String,
    /// Numeric id; `t2_` + base36 of it is the fullname.
    pub num: u64,
    /// Account creation time.
    pub created: DateTime<Utc>,
    /// Active, suspended or deleted.
    pub status: AccountStatus,
}

impl User {
    /// `t2_...`.
    pub fn fullname(&self) -> String {
        format!("t2_{}", base36(self.num))
    }
}

/// A moderator of a subreddit, or an account invited to become one.
#[derive(Clone, Debug, Serialize)]
pub struct Moderator {
    /// Lower-cased account name.
    pub user: String,
    /// Reddit's permission names (`all`, `mail`, `access`, ...); `all` grants every one.
    pub permissions: Vec<String>,
    /// When the account became a moderator (or was invited).
    pub since: DateTime<Utc>,
    /// Reddit's relationship id (`rb_...`).
    pub rel_id: String,
}

impl Moderator {
    /// Whether this moderator holds `permission` (directly or through `all`).
    pub fn can(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|p| p == "all" || p == permission)
    }
}

/// A subreddit, its moderators and its pending moderator invites.
#[derive(Clone, Debug, Serialize)]
pub struct Subreddit {
    /// Name as first written, without `r/`.
    pub name: String,
    /// Numeric id; `t5_` + base36 of it is the fullname.
    pub num: u64,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Moderators in the order they joined (the bot among them when it moderates).
    pub moderators: Vec<Moderator>,
    /// Invited accounts that have not accepted yet.
    pub invites: Vec<Moderator>,
}

impl Subreddit {
    /// `t5_...`.
    pub fn fullname(&self) -> String {
        format!("t5_{}", base36(self.num))
    }

    /// The moderator entry of the (lower-cased) account, if it moderates here.
    pub fn moderator(&self, account: &str) -> Option<&Moderator> {
        self.moderators.iter().find(|m| m.user == account)
    }
}

/// A ban, permanent or temporary.
#[derive(Clone, Debug, Serialize)]
pub struct Ban {
    /// Lower-cased subreddit name.
    pub subreddit: String,
    /// Lower-cased user name.
    pub user: String,
    /// Moderator's note (`about/banned` `note`, `banStatus.reason`).
    pub note: String,
    /// Text quoted in the ban message.
    pub reason: Option<String>,
    /// `None` for a permanent ban.
    pub duration_days: Option<u32>,
    /// Acting moderator's display name.
    pub moderator: String,
    /// When the ban started.
    pub at: DateTime<Utc>,
    /// Reddit's relationship id.
    pub rel_id: String,
}

impl Ban {
    /// End of a temporary ban.
    pub fn ends(&self) -> Option<DateTime<Utc>> {
        self.duration_days
            .map(|d| self.at + Duration::days(i64::from(d)))
    }

    /// Whether the ban still holds at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.ends().is_none_or(|end| now < end)
    }
}

/// A modmail message or internal note.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// Base36 id.
    pub id: String,
    /// Display name of the author (a user, a moderator, or the subreddit for automatic
    /// messages).
    pub author: String,
    /// Sent as the subreddit (`isAuthorHidden`).
    pub is_hidden: bool,
    /// Markdown.
    pub body: String,
    /// Private moderator note.
    pub is_internal: bool,
    /// When it was written.
    pub date: DateTime<Utc>,
}

/// A moderator action on a conversation.
#[derive(Clone, Debug, Serialize)]
pub struct ModAction {
    /// Base36 id.
    pub id: String,
    /// Reddit's `actionTypeId` (see [`ModActionKind::type_id`](crate::types::ModActionKind::type_id)).
    pub action_type_id: u8,
    /// Moderator's display name.
    pub author: String,
    /// When it happened.
    pub date: DateTime<Utc>,
}

/// One item of a conversation, in order.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "key", rename_all = "camelCase")]
pub enum Entry {
    /// A message or internal note.
    Messages(Message),
    /// A moderator action.
    ModActions(ModAction),
}

/// Raw state of one modmail conversation, as `GET /_sim/conversations/{id}` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct Conversation {
    /// Base36 id.
    pub id: String,
    /// Lower-cased subreddit name.
    pub subreddit: String,
    /// Subject line.
    pub subject: String,
    /// Lower-cased name of the non-moderator user, if any.
    pub participant: Option<String>,
    /// Started by Reddit on the subreddit's behalf (ban messages).
    pub is_auto: bool,
    /// A moderator-only discussion.
    pub is_internal: bool,
    /// Highlighted by a moderator.
    pub is_highlighted: bool,
    /// New, in progress or archived.
    pub state: ConvState,
    /// Messages and mod actions in order (Reddit's `objIds`).
    pub entries: Vec<Entry>,
    /// When it was started.
    pub created: DateTime<Utc>,
    /// Last message of any kind (mod actions do not count, as on Reddit).
    pub last_updated: DateTime<Utc>,
    /// Last message from the participant.
    pub last_user_update: Option<DateTime<Utc>>,
    /// Last non-internal moderator message.
    pub last_mod_update: Option<DateTime<Utc>>,
    /// Last unread user message.
    pub last_unread: Option<DateTime<Utc>>,
    /// Id of the first message.
    pub legacy_first_message_id: String,
}

impl Conversation {
    /// Messages and notes in order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Messages(m) => Some(m),
            Entry::ModActions(_) => None,
        })
    }

    /// Mod actions in order.
    pub fn mod_actions(&self) -> impl Iterator<Item = &ModAction> {
        self.entries.iter().filter_map(|e| match e {
            Entry::ModActions(a) => Some(a),
            Entry::Messages(_) => None,
        })
    }

    /// Author of the first message (`isOp`).
    pub fn first_author(&self) -> Option<&str> {
        self.messages().next().map(|m| m.author.as_str())
    }
}

/// Lower-case key for Reddit's case-insensitive names.
pub fn key(name: &str) -> String {
    name.trim()
        .trim_start_matches("r/")
        .trim_start_matches("u/")
        .to_lowercase()
}

/// Base36 as Reddit writes ids.
pub fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// All simulated state. Lives behind the [`Simulator`](crate::Simulator)'s mutex.
#[derive(Debug)]
pub struct Sim {
    pub cfg: SimConfig,
    rng: StdRng,
    next_conv: u64,
    next_obj: u64,
    next_account: u64,
    next_rel: u64,
    pub clock_offset: Duration,
    pub subreddits: BTreeMap<String, Subreddit>,
    pub users: BTreeMap<String, User>,
    /// Keyed by (subreddit, user), both lower-cased.
    pub bans: BTreeMap<(String, String), Ban>,
    pub muted: BTreeSet<(String, String)>,
    pub conversations: BTreeMap<String, Conversation>,
    /// Access tokens and whom they act for.
    grants: HashMap<String, Grant>,
    /// Authorization codes of the web-app flow, single use.
    codes: HashMap<String, WebAppGrant>,
    /// Refresh tokens of `duration=permanent` web-app grants.
    refresh_tokens: HashMap<String, WebAppGrant>,
    /// One request budget per account, as Reddit counts per OAuth client and user.
    rates: BTreeMap<String, RateLimiter>,
    pub faults: Faults,
    pub counters: Counters,
    pub ledger: Vec<LedgerEntry>,
    /// Mod Notes, oldest first.
    pub mod_notes: Vec<ModNote>,
}

impl Sim {
    pub fn new(cfg: SimConfig, now: DateTime<Utc>) -> Self {
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        // Seeded starting points make ids look like Reddit's (several base36 digits) and
        // differ between seeds, while staying reproducible.
        let next_conv = rng.random_range(20_000..40_000_000);
        let next_obj = rng.random_range(100_000..60_000_000);
        let next_account = rng.random_range(1_000_000..900_000_000);
        let next_rel = rng.random_range(1_000_000..90_000_000);
        let mut sim = Self {
            cfg,
            rng,
            next_conv,
            next_obj,
            next_account,
            next_rel,
            clock_offset: Duration::zero(),
            subreddits: BTreeMap::new(),
            users: BTreeMap::new(),
            bans: BTreeMap::new(),
            muted: BTreeSet::new(),
            conversations: BTreeMap::new(),
            grants: HashMap::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            rates: BTreeMap::new(),
            faults: Faults::default(),
            counters: Counters::default(),
            ledger: Vec::new(),
            mod_notes: Vec::new(),
        };
        let bots: Vec<String> = std::iter::once(&sim.cfg.bot)
            .chain(&sim.cfg.extra_bots)
            .map(|b| b.username.clone())
            .collect();
        for bot in bots {
            sim.ensure_user(&bot, now);
        }
        sim
    }

    /// The simulated clock: real UTC plus the offset tests advanced it by.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    fn next_obj_id(&mut self) -> String {
        self.next_obj += 1;
        base36(self.next_obj)
    }

    pub fn bot_key(&self) -> String {
        key(&self.cfg.bot.username)
    }

    /// The account is one of the bots' (the default or an extra one): what it does goes
    /// in the ledger.
    pub fn is_bot(&self, account: &str) -> bool {
        let k = key(account);
        std::iter::once(&self.cfg.bot)
            .chain(&self.cfg.extra_bots)
            .any(|b| key(&b.username) == k)
    }

    // ---- accounts -------------------------------------------------------------------

    pub fn ensure_user(&mut self, name: &str, now: DateTime<Utc>) -> String {
        let k = key(name);
        if !self.users.contains_key(&k) {
            self.next_account += 1;
            // Accounts look years old so account-age checks see a plausible value.
            let created = now - Duration::days(400 + (self.next_account % 1000) as i64);
            self.users.insert(
                k.clone(),
                User {
                    name: name.trim().to_owned(),
                    num: self.next_account,
                    created,
                    status: AccountStatus::Active,
                },
            );
        }
        k
    }

    pub fn add_user(&mut self, name: &str, now: DateTime<Utc>) -> Result<(), SimError> {
        if key(name).is_empty() {
            return Err(SimError::Invalid("empty user name".into()));
        }
        self.ensure_user(name, now);
        Ok(())
    }

    fn set_status(&mut self, name: &str, status: AccountStatus) -> Result<(), SimError> {
        let user = self
            .users
            .get_mut(&key(name))
            .ok_or_else(|| SimError::NotFound(format!("user {name}")))?;
        user.status = status;
        Ok(())
    }

    pub fn delete_user(&mut self, name: &str) -> Result<(), SimError> {
        self.set_status(name, AccountStatus::Deleted)
    }

    pub fn suspend_user(&mut self, name: &str) -> Result<(), SimError> {
        self.set_status(name, AccountStatus::Suspended)
    }

    /// Creates the subreddit, or adds moderators to an existing one; `bot_is_mod` makes the
    /// bot a moderator with every permission or removes it.
    pub fn add_subreddit(
        &mut self,
        req: &NewSubreddit,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let k = key(&req.name);
        if k.is_empty() {
            return Err(SimError::Invalid("empty subreddit name".into()));
        }
        if !self.subreddits.contains_key(&k) {
            self.next_account += 1;
            let sub = Subreddit {
                name: req.name.trim().trim_start_matches("r/").to_owned(),
                num: self.next_account,
                created: now - Duration::days(2_000),
                moderators: Vec::new(),
                invites: Vec::new(),
            };
            self.subreddits.insert(k.clone(), sub);
        }
        let all = vec!["all".to_owned()];
        for m in &req.moderators {
            let user = self.ensure_user(m, now);
            if !self.is_mod(&k, &user) {
                self.put_moderator(&k, &user, all.clone(), now);
            }
        }
        let bot = self.bot_key();
        match (req.bot_is_mod, self.is_mod(&k, &bot)) {
            (true, false) => self.put_moderator(&k, &bot, all, now),
            (false, true) => self.drop_moderator(&k, &bot),
            _ => {}
        }
        Ok(())
    }

    pub fn subreddit(&self, name: &str) -> Result<&Subreddit, SimError> {
        self.subreddits
            .get(&key(name))
            .ok_or_else(|| SimError::NotFound(format!("subreddit {name}")))
    }

    /// Whether `account` moderates `sub`, whatever its permissions.
    pub fn is_mod(&self, sub: &str, account: &str) -> bool {
        let a = key(account);
        self.subreddits
            .get(&key(sub))
            .is_some_and(|s| s.moderator(&a).is_some())
    }

    /// Whether `account` moderates `sub` with `permission` (or `all`).
    pub fn can(&self, sub: &str, account: &str, permission: &str) -> bool {
        let a = key(account);
        self.subreddits
            .get(&key(sub))
            .and_then(|s| s.moderator(&a))
            .is_some_and(|m| m.can(permission))
    }

    pub fn display_name(&self, account: &str) -> String {
        self.users
            .get(&key(account))
            .map_or_else(|| account.to_owned(), |u| u.name.clone())
    }

    // ---- bans -----------------------------------------------------------------------

    pub fn ban(&mut self, req: &BanRequest, now: DateTime<Utc>) -> Result<BanOutcome, SimError> {
        let sub = self.subreddit(&req.subreddit)?.clone();
        if key(&req.user).is_empty() {
            return Err(SimError::Invalid("empty user name".into()));
        }
        let user = self.ensure_user(&req.user, now);
        let moderator = match &req.moderator {
            Some(m) => {
                if !self.is_mod(&sub.name, m) {
                    return Err(SimError::Forbidden(format!(
                        "{m} is not a moderator of r/{}",
                        sub.name
                    )));
                }
                self.display_name(m)
            }
            // The first human moderator, as a ban is a person's act.
            None => {
                let bot = self.bot_key();
                sub.moderators
                    .iter()
                    .find(|m| m.user != bot)
                    .map_or_else(|| sub.name.clone(), |m| self.display_name(&m.user))
            }
        };
        self.next_rel += 1;
        let ban = Ban {
            subreddit: key(&sub.name),
            user: user.clone(),
            note: req.note.clone(),
            reason: req.reason.clone(),
            duration_days: req.duration_days,
            moderator: moderator.clone(),
            at: now,
            rel_id: format!("rb_{}", base36(self.next_rel)),
        };
        self.bans.insert((key(&sub.name), user.clone()), ban);
        if !req.send_message {
            return Ok(BanOutcome {
                conversation_id: None,
            });
        }
        let body = ban_message_body(&sub.name, req.duration_days, req.reason.as_deref());
        let subject = ban_subject(&sub.name, req.duration_days);
        let id = self.new_conversation(&sub.name, &subject, Some(user), true, now);
        let msg_id = self.next_obj_id();
        if let Some(conv) = self.conversations.get_mut(&id) {
            conv.entries.push(Entry::Messages(Message {
                id: msg_id.clone(),
                author: moderator,
                is_hidden: true,
                body,
                is_internal: false,
                date: now,
            }));
            conv.legacy_first_message_id = msg_id;
            conv.last_mod_update = Some(now);
            // Reddit files ban notifications as archived until the user answers.
            conv.state = ConvState::Archived;
        }
        Ok(BanOutcome {
            conversation_id: Some(id),
        })
    }

    pub fn unban(&mut self, subreddit: &str, user: &str) -> Result<(), SimError> {
        self.subreddit(subreddit)?;
        self.bans
            .remove(&(key(subreddit), key(user)))
            .map(|_| ())
            .ok_or_else(|| SimError::NotFound(format!("ban of {user} in r/{subreddit}")))
    }

    pub fn active_ban(&self, sub: &str, user: &str, now: DateTime<Utc>) -> Option<&Ban> {
        self.bans
            .get(&(key(sub), key(user)))
            .filter(|b| b.active(now))
    }
}

fn ban_subject(sub: &str, days: Option<u32>) -> String {
    let kind = if days.is_none() {
        "permanently"
    } else {
        "temporarily"
    };
    format!("You've been {kind} banned from participating in r/{sub}")
}

fn ban_message_body(sub: &str, days: Option<u32>, reason: Option<&str>) -> String {
    let mut body = match days {
        None => format!(
            "You have been permanently banned from participating in [r/{sub}](/r/{sub}/). \
             You can still view and subscribe to r/{sub}, but you won't be able to post or comment."
        ),
        Some(d) => format!(
            "You have been temporarily banned from participating in [r/{sub}](/r/{sub}/). \
             This ban will last for {d} day{}. You can still view and subscribe to r/{sub}, \
             but you won't be able to post or comment.",
            if d == 1 { "" } else { "s" }
        ),
    };
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        body.push_str("\n\nNote from the moderators:\n\n");
        let quoted: Vec<String> = reason.lines().map(|l| format!("> {l}")).collect();
        body.push_str(&quoted.join("\n"));
    }
    body.push_str(
        "\n\nIf you have a question regarding your ban, you can contact the moderator team by \
         replying to this message.",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_matches_reddit_style() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
        assert_eq!(base36(1_295_774), "rrtq");
    }

    #[test]
    fn ban_body_quotes_reason() {
        let body = ban_message_body("pics", Some(3), Some("rule 1\nrule 2"));
        assert!(body.contains("> rule 1\n> rule 2"));
        assert!(body.contains("3 days"));
    }
}
