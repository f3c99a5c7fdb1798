//! The shared handle to one simulator's state, used by the HTTP handlers and by tests.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use crate::config::{SimConfig, WebApp};
use crate::model::{Ban, Conversation, ModNote, Sim, SimError, Subreddit, key};
use crate::ratelimit::RateSnapshot;
use crate::types::{
    BanOutcome, BanRequest, CallStatus, Counters, Endpoint, FaultRequest, LedgerEntry,
    ModActionRequest, ModDiscussion, ModMessage, NewSubreddit, Posted, UserMessage,
};

/// In-process control of a running (or not yet served) simulator. Cheap to clone; every
/// clone sees the same state. Each method matches a `/_sim/` control route.
#[derive(Clone, Debug)]
pub struct Simulator {
    inner: Arc<Mutex<Sim>>,
}

impl Simulator {
    /// A fresh world holding only the bot's account.
    pub fn new(cfg: SimConfig) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Sim::new(cfg, Utc::now()))),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Sim> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Sim, DateTime<Utc>) -> T) -> T {
        let mut sim = self.lock();
        let now = sim.now();
        f(&mut sim, now)
    }

    /// The simulated clock (real UTC plus everything [`Self::advance_clock`] added).
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// The configuration the simulator started with (rate limits as last set).
    pub fn config(&self) -> SimConfig {
        self.lock().cfg.clone()
    }

    /// `POST /_sim/subreddits`. Adding an existing subreddit adds moderators and updates
    /// `bot_is_mod`.
    pub fn add_subreddit(&self, req: NewSubreddit) -> Result<(), SimError> {
        self.with(|s, now| s.add_subreddit(&req, now))
    }

    /// `POST /_sim/users`.
    pub fn add_user(&self, name: &str) -> Result<(), SimError> {
        self.with(|s, now| s.add_user(name, now))
    }

    /// `POST /_sim/users/{name}/delete`: `about` answers 404, authors show `isDeleted`.
    pub fn delete_user(&self, name: &str) -> Result<(), SimError> {
        self.with(|s, _| s.delete_user(name))
    }

    /// `POST /_sim/users/{name}/suspend`.
    pub fn suspend_user(&self, name: &str) -> Result<(), SimError> {
        self.with(|s, _| s.suspend_user(name))
    }

    /// `POST /_sim/bans`: bans, and unless `send_message` is false starts the ban modmail
    /// (archived until the user answers).
    pub fn ban(&self, req: BanRequest) -> Result<BanOutcome, SimError> {
        self.with(|s, now| s.ban(&req, now))
    }

    /// `POST /_sim/unban`.
    pub fn unban(&self, subreddit: &str, user: &str) -> Result<(), SimError> {
        self.with(|s, _| s.unban(subreddit, user))
    }

    /// `POST /_sim/modmail/user`: the user writes. A banned user's conversation goes to the
    /// Ban Appeals folder (state 3), also out of the archive; anyone else's message brings an
    /// archived conversation back to in progress.
    pub fn user_message(&self, req: UserMessage) -> Result<Posted, SimError> {
        self.with(|s, now| s.user_message(&req, now))
    }

    /// `POST /_sim/modmail/mod`: a human moderator writes (not recorded in the ledger).
    pub fn mod_message(&self, req: ModMessage) -> Result<Posted, SimError> {
        self.with(|s, now| s.mod_message(&req, now))
    }

    /// `POST /_sim/modmail/discussion`: a mod discussion (`isInternal`, no participant).
    pub fn mod_discussion(&self, req: ModDiscussion) -> Result<Posted, SimError> {
        self.with(|s, now| s.mod_discussion(&req, now))
    }

    /// `POST /_sim/subreddits/{sub}/moderators`: `name` moderates with exactly
    /// `permissions` (Reddit's names: `all`, `mail`, `access`, ...), added or changed.
    pub fn set_moderator(
        &self,
        subreddit: &str,
        name: &str,
        permissions: &[String],
    ) -> Result<(), SimError> {
        self.with(|s, now| s.set_moderator(subreddit, name, permissions, now))
    }

    /// `POST /_sim/subreddits/{sub}/moderators/{name}/remove`: `name` (the bot too) is no
    /// longer a moderator; its writes there get 403 from then on.
    pub fn remove_moderator(&self, subreddit: &str, name: &str) -> Result<(), SimError> {
        self.with(|s, _| s.remove_moderator(subreddit, name))
    }

    /// `POST /_sim/subreddits/{sub}/invites`: a pending moderator invite for `name`.
    pub fn invite_moderator(
        &self,
        subreddit: &str,
        name: &str,
        permissions: &[String],
    ) -> Result<(), SimError> {
        self.with(|s, now| s.invite_moderator(subreddit, name, permissions, now))
    }

    /// `POST /_sim/subreddits/{sub}/invites/{name}/revoke`.
    pub fn revoke_invite(&self, subreddit: &str, name: &str) -> Result<(), SimError> {
        self.with(|s, _| s.revoke_invite(subreddit, name))
    }

    /// `GET /_sim/subreddits/{sub}`: moderators with permissions, and pending invites.
    pub fn subreddit(&self, name: &str) -> Result<Subreddit, SimError> {
        self.lock().subreddit(name).cloned()
    }

    /// `POST /_sim/webapp`: the web app's credentials and redirect URI from now on (e.g.
    /// once the website under test knows its port).
    pub fn set_web_app(&self, app: WebApp) {
        self.lock().cfg.web_app = app;
    }

    /// `POST /_sim/modmail/mod_action`; returns the mod action's id.
    pub fn mod_action(&self, req: ModActionRequest) -> Result<String, SimError> {
        self.with(|s, now| s.mod_action(&req, now))
    }

    /// `POST /_sim/faults`.
    pub fn inject_fault(&self, req: FaultRequest) {
        self.lock().faults.add(req.endpoint, req.count, req.mode);
    }

    /// `DELETE /_sim/faults`: forget queued faults.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// `POST /_sim/clock/advance`: tokens, temporary bans and rate windows see the jump.
    pub fn advance_clock(&self, seconds: i64) {
        let mut s = self.lock();
        s.clock_offset += Duration::seconds(seconds);
    }

    /// `POST /_sim/ratelimit`: new budget and window for every account; current windows
    /// start over.
    pub fn set_rate_limit(&self, budget: u32, window_secs: u64) {
        self.lock().reconfigure_rates(budget, window_secs);
    }

    /// `POST /_sim/tokens/expire_all`.
    pub fn expire_all_tokens(&self) {
        self.lock().expire_all_tokens();
    }

    /// `GET /_sim/counters`.
    pub fn counters(&self) -> Counters {
        self.lock().counters.clone()
    }

    /// `POST /_sim/counters/reset`.
    pub fn reset_counters(&self) {
        self.lock().counters = Counters::default();
    }

    /// `GET /_sim/ledger`: every effect the bot applied, oldest first.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.lock().ledger.clone()
    }

    /// `GET /_sim/ledger/{conversation_id}`.
    pub fn ledger_for(&self, conversation_id: &str) -> Vec<LedgerEntry> {
        self.lock()
            .ledger
            .iter()
            .filter(|e| e.conversation_id == conversation_id)
            .cloned()
            .collect()
    }

    /// `GET /_sim/mod_notes`: every Mod Note (the bot's and anyone's), oldest first.
    pub fn mod_notes(&self) -> Vec<ModNote> {
        self.lock().all_mod_notes().to_vec()
    }

    /// The ban of `user` in `subreddit` in force now, if any.
    pub fn active_ban(&self, subreddit: &str, user: &str) -> Option<Ban> {
        let now = self.now();
        self.lock().active_ban(subreddit, user, now).cloned()
    }

    /// The Mod Notes on `user` in `subreddit`, oldest first.
    pub fn mod_notes_on(&self, subreddit: &str, user: &str) -> Vec<ModNote> {
        let (sub, user) = (key(subreddit), key(user));
        self.lock()
            .all_mod_notes()
            .iter()
            .filter(|n| n.subreddit == sub && n.user == user)
            .cloned()
            .collect()
    }

    /// `GET /_sim/conversations/{id}`: raw state.
    pub fn conversation(&self, id: &str) -> Result<Conversation, SimError> {
        self.lock().conversation(id).cloned()
    }

    /// Ids of all conversations, oldest first.
    pub fn conversation_ids(&self) -> Vec<String> {
        let s = self.lock();
        let mut convs: Vec<&Conversation> = s.conversations.values().collect();
        convs.sort_by_key(|c| (c.created, c.id.len(), c.id.clone()));
        convs.into_iter().map(|c| c.id.clone()).collect()
    }
}

impl Sim {
    pub(crate) fn count(&mut self, endpoint: Endpoint, status: CallStatus) {
        *self
            .counters
            .calls
            .entry(endpoint)
            .or_default()
            .entry(status)
            .or_default() += 1;
        self.counters.total += 1;
        if status == CallStatus::Status(429) {
            self.counters.rate_limited += 1;
        }
    }

    pub(crate) fn observe_rate(&mut self, snap: &RateSnapshot) {
        let c = &mut self.counters;
        c.max_used = c.max_used.max(snap.used);
        c.min_remaining = Some(
            c.min_remaining
                .map_or(snap.remaining, |m| m.min(snap.remaining)),
        );
    }
}
