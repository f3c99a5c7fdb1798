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
use crate::types::{
    BanOutcome, BanRequest, Counters, LedgerEntry, LedgerKind, ModActionKind, ModActionRequest,
    ModMessage, NewSubreddit, Posted, UserMessage,
};

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
}

/// Conversation state numbers as Reddit sends them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvState {
    /// 0
    New,
    /// 1
    InProgress,
    /// 2
    Archived,
}

impl ConvState {
    /// Reddit's `state` number.
    pub fn number(self) -> u8 {
        match self {
            Self::New => 0,
            Self::InProgress => 1,
            Self::Archived => 2,
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

/// A subreddit and who moderates it.
#[derive(Clone, Debug, Serialize)]
pub struct Subreddit {
    /// Name as first written, without `r/`.
    pub name: String,
    /// Numeric id; `t5_` + base36 of it is the fullname.
    pub num: u64,
    /// Lower-cased names of the human moderators, in the order given.
    pub moderators: Vec<String>,
    /// Whether the bot account moderates it.
    pub bot_is_mod: bool,
}

impl Subreddit {
    /// `t5_...`.
    pub fn fullname(&self) -> String {
        format!("t5_{}", base36(self.num))
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
    /// Reddit's `actionTypeId` (see [`ModActionKind::type_id`]).
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
    tokens: HashMap<String, DateTime<Utc>>,
    pub rate: RateLimiter,
    pub faults: Faults,
    pub counters: Counters,
    pub ledger: Vec<LedgerEntry>,
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
        let rate = RateLimiter::new(cfg.rate_budget, cfg.rate_window_secs);
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
            tokens: HashMap::new(),
            rate,
            faults: Faults::default(),
            counters: Counters::default(),
            ledger: Vec::new(),
        };
        let bot = sim.cfg.bot.username.clone();
        sim.ensure_user(&bot, now);
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

    pub fn add_subreddit(
        &mut self,
        req: &NewSubreddit,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let k = key(&req.name);
        if k.is_empty() {
            return Err(SimError::Invalid("empty subreddit name".into()));
        }
        let moderators: Vec<String> = req
            .moderators
            .iter()
            .map(|m| self.ensure_user(m, now))
            .collect();
        self.next_account += 1;
        let num = self.next_account;
        let name = req.name.trim().trim_start_matches("r/").to_owned();
        let sub = self.subreddits.entry(k).or_insert(Subreddit {
            name,
            num,
            moderators: Vec::new(),
            bot_is_mod: req.bot_is_mod,
        });
        for m in moderators {
            if !sub.moderators.contains(&m) {
                sub.moderators.push(m);
            }
        }
        sub.bot_is_mod = req.bot_is_mod;
        Ok(())
    }

    pub fn subreddit(&self, name: &str) -> Result<&Subreddit, SimError> {
        self.subreddits
            .get(&key(name))
            .ok_or_else(|| SimError::NotFound(format!("subreddit {name}")))
    }

    /// Whether `account` moderates `sub` (the bot only where `bot_is_mod`).
    pub fn is_mod(&self, sub: &str, account: &str) -> bool {
        let (s, a) = (key(sub), key(account));
        self.subreddits.get(&s).is_some_and(|sub| {
            if a == self.bot_key() {
                sub.bot_is_mod
            } else {
                sub.moderators.contains(&a)
            }
        })
    }

    pub fn bot_moderates(&self, sub: &str) -> bool {
        let bot = self.bot_key();
        self.is_mod(sub, &bot)
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
            None => sub
                .moderators
                .first()
                .map_or_else(|| sub.name.clone(), |m| self.display_name(m)),
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
        let subject = match req.duration_days {
            None => format!(
                "You've been permanently banned from participating in r/{}",
                sub.name
            ),
            Some(_) => format!(
                "You've been temporarily banned from participating in r/{}",
                sub.name
            ),
        };
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

    // ---- modmail ----------------------------------------------------------------------

    fn new_conversation(
        &mut self,
        sub: &str,
        subject: &str,
        participant: Option<String>,
        is_auto: bool,
        now: DateTime<Utc>,
    ) -> String {
        self.next_conv += 1;
        let id = base36(self.next_conv);
        self.conversations.insert(
            id.clone(),
            Conversation {
                id: id.clone(),
                subreddit: key(sub),
                subject: subject.to_owned(),
                participant,
                is_auto,
                is_internal: false,
                is_highlighted: false,
                state: ConvState::New,
                entries: Vec::new(),
                created: now,
                last_updated: now,
                last_user_update: None,
                last_mod_update: None,
                last_unread: None,
                legacy_first_message_id: String::new(),
            },
        );
        id
    }

    pub fn conversation(&self, id: &str) -> Result<&Conversation, SimError> {
        self.conversations
            .get(id)
            .ok_or_else(|| SimError::NotFound(format!("conversation {id}")))
    }

    fn conversation_mut(&mut self, id: &str) -> Result<&mut Conversation, SimError> {
        self.conversations
            .get_mut(id)
            .ok_or_else(|| SimError::NotFound(format!("conversation {id}")))
    }

    pub fn user_message(
        &mut self,
        req: &UserMessage,
        now: DateTime<Utc>,
    ) -> Result<Posted, SimError> {
        let sub = self.subreddit(&req.subreddit)?.name.clone();
        if key(&req.user).is_empty() {
            return Err(SimError::Invalid("empty user name".into()));
        }
        let user = self.ensure_user(&req.user, now);
        if self
            .users
            .get(&user)
            .is_some_and(|u| u.status == AccountStatus::Deleted)
        {
            return Err(SimError::Invalid(format!("user {} is deleted", req.user)));
        }
        let author = self.display_name(&user);
        let conversation_id = match &req.conversation_id {
            Some(id) => {
                let conv = self.conversation(id)?;
                if conv.subreddit != key(&sub) || conv.participant.as_deref() != Some(user.as_str())
                {
                    return Err(SimError::Forbidden(format!(
                        "{} is not the participant of conversation {id} in r/{sub}",
                        req.user
                    )));
                }
                id.clone()
            }
            None => {
                let subject = req
                    .subject
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| "(no subject)".to_owned());
                self.new_conversation(&sub, &subject, Some(user), false, now)
            }
        };
        let message_id = self.next_obj_id();
        let conv = self.conversation_mut(&conversation_id)?;
        if conv.legacy_first_message_id.is_empty() {
            conv.legacy_first_message_id = message_id.clone();
        }
        conv.entries.push(Entry::Messages(Message {
            id: message_id.clone(),
            author,
            is_hidden: false,
            body: req.body.clone(),
            is_internal: false,
            date: now,
        }));
        conv.last_updated = now;
        conv.last_user_update = Some(now);
        conv.last_unread = Some(now);
        // Real Reddit: an answer from the user brings an archived conversation back.
        if conv.state == ConvState::Archived {
            conv.state = ConvState::InProgress;
        }
        Ok(Posted {
            conversation_id,
            message_id,
        })
    }

    /// A moderator (human or bot) writes. Does not touch the archived state: on Reddit only
    /// the user's answers un-archive.
    fn mod_write(
        &mut self,
        conversation_id: &str,
        moderator: &str,
        body: &str,
        hidden: bool,
        internal: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        let sub = self.conversation(conversation_id)?.subreddit.clone();
        if !self.is_mod(&sub, moderator) {
            return Err(SimError::Forbidden(format!(
                "{moderator} is not a moderator of r/{sub}"
            )));
        }
        let author = self.display_name(moderator);
        let message_id = self.next_obj_id();
        let conv = self.conversation_mut(conversation_id)?;
        if conv.legacy_first_message_id.is_empty() {
            conv.legacy_first_message_id = message_id.clone();
        }
        conv.entries.push(Entry::Messages(Message {
            id: message_id.clone(),
            author,
            is_hidden: hidden,
            body: body.to_owned(),
            is_internal: internal,
            date: now,
        }));
        conv.last_updated = now;
        if !internal {
            conv.last_mod_update = Some(now);
            if conv.state == ConvState::New {
                conv.state = ConvState::InProgress;
            }
        }
        Ok(message_id)
    }

    pub fn mod_message(
        &mut self,
        req: &ModMessage,
        now: DateTime<Utc>,
    ) -> Result<Posted, SimError> {
        let message_id = self.mod_write(
            &req.conversation_id,
            &req.moderator,
            &req.body,
            false,
            req.internal,
            now,
        )?;
        Ok(Posted {
            conversation_id: req.conversation_id.clone(),
            message_id,
        })
    }

    fn act(
        &mut self,
        conversation_id: &str,
        moderator: &str,
        action: ModActionKind,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        let sub = self.conversation(conversation_id)?.subreddit.clone();
        if !self.is_mod(&sub, moderator) {
            return Err(SimError::Forbidden(format!(
                "{moderator} is not a moderator of r/{sub}"
            )));
        }
        let author = self.display_name(moderator);
        let id = self.next_obj_id();
        let conv = self.conversation_mut(conversation_id)?;
        conv.entries.push(Entry::ModActions(ModAction {
            id: id.clone(),
            action_type_id: action.type_id(),
            author,
            date: now,
        }));
        let participant = conv.participant.clone();
        match action {
            ModActionKind::Archive => conv.state = ConvState::Archived,
            ModActionKind::Unarchive => conv.state = ConvState::InProgress,
            ModActionKind::Highlight => conv.is_highlighted = true,
            ModActionKind::Unhighlight => conv.is_highlighted = false,
            ModActionKind::Mute | ModActionKind::Unmute => {
                let user = participant
                    .ok_or_else(|| SimError::Invalid("conversation has no participant".into()))?;
                if action == ModActionKind::Mute {
                    self.muted.insert((sub, user));
                } else {
                    self.muted.remove(&(sub, user));
                }
            }
        }
        Ok(id)
    }

    pub fn mod_action(
        &mut self,
        req: &ModActionRequest,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        self.act(&req.conversation_id, &req.moderator, req.action, now)
    }

    // ---- the bot's effects (recorded in the ledger) --------------------------------------

    fn record(
        &mut self,
        conversation_id: &str,
        kind: LedgerKind,
        body: Option<String>,
        object_id: &str,
        now: DateTime<Utc>,
    ) {
        let seq = self.ledger.len() as u64 + 1;
        self.ledger.push(LedgerEntry {
            seq,
            conversation_id: conversation_id.to_owned(),
            kind,
            body,
            object_id: object_id.to_owned(),
            at: now,
        });
    }

    /// Checks the bot may touch the conversation: 404 before 403, like Reddit.
    pub fn bot_access(&self, conversation_id: &str) -> Result<&Conversation, SimError> {
        let conv = self.conversation(conversation_id)?;
        if !self.bot_moderates(&conv.subreddit) {
            return Err(SimError::Forbidden(format!(
                "not a moderator of r/{}",
                conv.subreddit
            )));
        }
        Ok(conv)
    }

    pub fn bot_reply(
        &mut self,
        conversation_id: &str,
        body: &str,
        hidden: bool,
        internal: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        self.bot_access(conversation_id)?;
        if body.trim().is_empty() {
            return Err(SimError::Invalid("body is empty".into()));
        }
        let bot = self.cfg.bot.username.clone();
        let id = self.mod_write(conversation_id, &bot, body, hidden, internal, now)?;
        let kind = if internal {
            LedgerKind::InternalNote
        } else {
            LedgerKind::Reply
        };
        self.record(conversation_id, kind, Some(body.to_owned()), &id, now);
        Ok(id)
    }

    pub fn bot_archive(
        &mut self,
        conversation_id: &str,
        archive: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        self.bot_access(conversation_id)?;
        let bot = self.cfg.bot.username.clone();
        let (action, kind) = if archive {
            (ModActionKind::Archive, LedgerKind::Archive)
        } else {
            (ModActionKind::Unarchive, LedgerKind::Unarchive)
        };
        let id = self.act(conversation_id, &bot, action, now)?;
        self.record(conversation_id, kind, None, &id, now);
        Ok(id)
    }

    // ---- tokens ------------------------------------------------------------------------

    pub fn issue_token(&mut self, now: DateTime<Utc>) -> String {
        let token = format!(
            "sim-{:016x}{:016x}",
            self.rng.random::<u64>(),
            self.rng.random::<u64>()
        );
        let ttl = i64::try_from(self.cfg.token_ttl_secs).unwrap_or(i64::MAX / 2_000);
        self.tokens
            .insert(token.clone(), now + Duration::seconds(ttl));
        token
    }

    pub fn token_valid(&self, token: &str, now: DateTime<Utc>) -> bool {
        self.tokens.get(token).is_some_and(|exp| now < *exp)
    }

    pub fn expire_all_tokens(&mut self) {
        self.tokens.clear();
    }
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
