//! Modmail conversations: who writes, which folder a conversation is in, and the effects
//! of API calls (recorded in the ledger when the bot makes them).

use chrono::{DateTime, Utc};

use super::{AccountStatus, ConvState, Conversation, Entry, Message, ModAction, Sim, SimError};
use super::{base36, key};
use crate::types::{
    LedgerEntry, LedgerKind, ModActionKind, ModActionRequest, ModDiscussion, ModMessage, Posted,
    UserMessage,
};

/// Reddit's limits on `POST /api/mod/conversations` (documented as "under 100/10000").
const MAX_SUBJECT: usize = 100;
const MAX_BODY: usize = 10_000;

/// The folder a conversation moves to when its participant writes. Banned users' messages
/// go to Ban Appeals (also ones they start, also out of the archive); anyone else's message
/// brings a conversation out of the archive (or out of appeals, once the ban is over).
fn after_user_message(state: ConvState, banned: bool) -> ConvState {
    match state {
        ConvState::Filtered | ConvState::JoinRequests => state,
        _ if banned => ConvState::Appeals,
        ConvState::Archived | ConvState::Appeals => ConvState::InProgress,
        other => other,
    }
}

/// The fields of `POST /api/mod/conversations`.
pub struct NewConversation<'a> {
    pub subreddit: &'a str,
    /// The user written to; empty (or a moderator) for a mod discussion.
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub hidden: bool,
}

impl Sim {
    pub(super) fn new_conversation(
        &mut self,
        sub: &str,
        subject: &str,
        participant: Option<String>,
        is_auto: bool,
        now: DateTime<Utc>,
    ) -> String {
        self.next_conv += 1;
        let id = base36(self.next_conv);
        let conv = Conversation {
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
        };
        self.conversations.insert(id.clone(), conv);
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

    /// Appends a message and keeps `legacyFirstMessageId` and `lastUpdated` right.
    fn push_message(
        &mut self,
        conversation_id: &str,
        msg: Message,
    ) -> Result<&mut Conversation, SimError> {
        let conv = self.conversation_mut(conversation_id)?;
        if conv.legacy_first_message_id.is_empty() {
            conv.legacy_first_message_id = msg.id.clone();
        }
        conv.last_updated = msg.date;
        conv.entries.push(Entry::Messages(msg));
        Ok(conv)
    }

    /// The user writes, in a new conversation or in one of theirs.
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
                self.new_conversation(&sub, &subject, Some(user.clone()), false, now)
            }
        };
        let banned = self.active_ban(&sub, &user, now).is_some();
        let message_id = self.next_obj_id();
        let msg = Message {
            id: message_id.clone(),
            author: self.display_name(&user),
            is_hidden: false,
            body: req.body.clone(),
            is_internal: false,
            date: now,
        };
        let conv = self.push_message(&conversation_id, msg)?;
        conv.last_user_update = Some(now);
        conv.last_unread = Some(now);
        conv.state = after_user_message(conv.state, banned);
        Ok(Posted {
            conversation_id,
            message_id,
        })
    }

    /// A moderator (human or bot) writes. Does not touch the archived or appeals state: on
    /// Reddit only the user's answers move a conversation between those folders.
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
        let message_id = self.next_obj_id();
        let msg = Message {
            id: message_id.clone(),
            author: self.display_name(moderator),
            is_hidden: hidden,
            body: body.to_owned(),
            is_internal: internal,
            date: now,
        };
        let conv = self.push_message(conversation_id, msg)?;
        // Private notes are not answers; in a mod discussion every message is a mod's.
        if !internal || conv.is_internal {
            conv.last_mod_update = Some(now);
        }
        if !internal && conv.state == ConvState::New {
            conv.state = ConvState::InProgress;
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

    /// Control API: moderators start a discussion among themselves (`isInternal`, no
    /// participant), as in every busy modmail.
    pub fn mod_discussion(
        &mut self,
        req: &ModDiscussion,
        now: DateTime<Utc>,
    ) -> Result<Posted, SimError> {
        let sub = self.subreddit(&req.subreddit)?.name.clone();
        if !self.is_mod(&sub, &req.moderator) {
            return Err(SimError::Forbidden(format!(
                "{} is not a moderator of r/{sub}",
                req.moderator
            )));
        }
        let author = key(&req.moderator);
        self.start_discussion(&sub, &author, &req.subject, &req.body, now)
    }

    fn start_discussion(
        &mut self,
        sub: &str,
        author: &str,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Posted, SimError> {
        let conversation_id = self.new_conversation(sub, subject, None, false, now);
        if let Some(c) = self.conversations.get_mut(&conversation_id) {
            c.is_internal = true;
        }
        let message_id = self.mod_write(&conversation_id, author, body, false, true, now)?;
        Ok(Posted {
            conversation_id,
            message_id,
        })
    }

    pub(super) fn act(
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
            // The recorded unarchive answers state 1, for a banned participant too.
            ModActionKind::Unarchive => conv.state = ConvState::InProgress,
            ModActionKind::Highlight => conv.is_highlighted = true,
            ModActionKind::Unhighlight => conv.is_highlighted = false,
            // A ban or unban from modmail shows in the conversation like a moderator's
            // message does (its `lastUpdated` moves); archiving and highlighting do not.
            ModActionKind::Unban | ModActionKind::Ban => {
                conv.last_updated = now;
                conv.last_mod_update = Some(now);
                // A moderator unbanning lifts the ban (the API path has done so already); a
                // ban's terms are set by whoever bans (`api_temp_ban`).
                if action == ModActionKind::Unban
                    && let Some(user) = participant
                {
                    self.bans.remove(&(key(&sub), user));
                }
            }
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

    // ---- API effects (the bot's are recorded in the ledger) ------------------------------

    pub(super) fn record(
        &mut self,
        actor: &str,
        conversation_id: &str,
        kind: LedgerKind,
        body: Option<String>,
        object_id: &str,
        now: DateTime<Utc>,
    ) {
        // The ledger is what the bot did; people using the API are not the bot.
        if !self.is_bot(actor) {
            return;
        }
        let seq = self.ledger.len() as u64 + 1;
        self.ledger.push(LedgerEntry {
            seq,
            conversation_id: conversation_id.to_owned(),
            kind,
            body,
            object_id: object_id.to_owned(),
            at: now,
            subreddit: None,
            user: None,
        });
    }

    /// Checks `actor` may use modmail on the conversation: 404 before 403, like Reddit, and
    /// the `mail` permission (or `all`) is needed.
    pub fn access(&self, actor: &str, conversation_id: &str) -> Result<&Conversation, SimError> {
        let conv = self
            .conversations
            .get(conversation_id)
            .ok_or(SimError::Api {
                status: 404,
                reason: "CONVERSATION_NOT_FOUND",
                field: Some("conversation_id"),
                explanation: Some("No conversation found."),
            })?;
        if !self.can(&conv.subreddit, actor, "mail") {
            return Err(SimError::Api {
                status: 403,
                reason: "SUBREDDIT_NO_ACCESS",
                field: None,
                explanation: None,
            });
        }
        Ok(conv)
    }

    /// `POST /api/mod/conversations/{id}` by `actor`.
    pub fn api_reply(
        &mut self,
        actor: &str,
        conversation_id: &str,
        body: &str,
        hidden: bool,
        internal: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        self.access(actor, conversation_id)?;
        check_text("body", body, MAX_BODY)?;
        let id = self.mod_write(conversation_id, actor, body, hidden, internal, now)?;
        let kind = if internal {
            LedgerKind::InternalNote
        } else {
            LedgerKind::Reply
        };
        self.record(
            actor,
            conversation_id,
            kind,
            Some(body.to_owned()),
            &id,
            now,
        );
        Ok(id)
    }

    /// `POST .../archive` and `.../unarchive` by `actor`.
    pub fn api_archive(
        &mut self,
        actor: &str,
        conversation_id: &str,
        archive: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        self.access(actor, conversation_id)?;
        let (action, kind) = if archive {
            (ModActionKind::Archive, LedgerKind::Archive)
        } else {
            (ModActionKind::Unarchive, LedgerKind::Unarchive)
        };
        let id = self.act(conversation_id, actor, action, now)?;
        self.record(actor, conversation_id, kind, None, &id, now);
        Ok(id)
    }

    /// `POST /api/mod/conversations` by `actor`: a conversation with a user, or a mod
    /// discussion when `to` is empty or names a moderator. Errors as Reddit's documented
    /// ones (`BAD_SR_NAME`, `SUBREDDIT_NOEXIST`, `NO_TEXT`, `TOO_LONG`, ...).
    pub fn api_create(
        &mut self,
        actor: &str,
        req: &NewConversation<'_>,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        let sub = self.create_target(actor, req)?;
        let to = key(req.to);
        if to.is_empty() || self.is_mod(&sub, &to) {
            return Ok(self
                .start_discussion(&sub, actor, req.subject, req.body, now)?
                .conversation_id);
        }
        if self.muted.contains(&(sub.clone(), to.clone())) {
            return Err(SimError::Api {
                status: 400,
                reason: "MUTED_FROM_SUBREDDIT",
                field: Some("to"),
                explanation: None,
            });
        }
        let id = self.new_conversation(&sub, req.subject, Some(to), false, now);
        self.mod_write(&id, actor, req.body, req.hidden, false, now)?;
        // The recorded answer of a new conversation is still in the New folder.
        if let Some(c) = self.conversations.get_mut(&id) {
            c.state = ConvState::New;
        }
        Ok(id)
    }

    /// Validates a create request; returns the subreddit's key.
    fn create_target(&self, actor: &str, req: &NewConversation<'_>) -> Result<String, SimError> {
        if req.subreddit.trim().is_empty() {
            return Err(SimError::bad(
                "BAD_SR_NAME",
                "srName",
                "This community name isn't recognizable. Check the spelling and try again.",
            ));
        }
        let sub = match self.subreddit(req.subreddit) {
            Ok(s) => key(&s.name),
            Err(_) => {
                return Err(SimError::bad(
                    "SUBREDDIT_NOEXIST",
                    "srName",
                    "Hmm, that community doesn't exist. Try checking the spelling.",
                ));
            }
        };
        check_text("subject", req.subject, MAX_SUBJECT)?;
        check_text("body", req.body, MAX_BODY)?;
        if !self.can(&sub, actor, "mail") {
            return Err(SimError::Forbidden(format!(
                "{actor} has no mail access in r/{sub}"
            )));
        }
        let to = key(req.to);
        let to_exists = self
            .users
            .get(&to)
            .is_some_and(|u| u.status != AccountStatus::Deleted);
        if !to.is_empty() && !to_exists {
            return Err(SimError::bad(
                "USER_DOESNT_EXIST",
                "to",
                "that user doesn't exist",
            ));
        }
        Ok(sub)
    }
}

/// Reddit's `NO_TEXT` and `TOO_LONG` checks of a form field.
fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), SimError> {
    if text.trim().is_empty() {
        return Err(SimError::bad("NO_TEXT", field, "we need something here"));
    }
    if text.chars().count() > max {
        let explanation = if max == MAX_SUBJECT {
            "This field must be under 100 characters"
        } else {
            "This field must be under 10000 characters"
        };
        return Err(SimError::bad("TOO_LONG", field, explanation));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banned_users_land_in_appeals_others_leave_the_archive() {
        use ConvState::*;
        assert_eq!(after_user_message(New, true), Appeals);
        assert_eq!(after_user_message(Archived, true), Appeals);
        assert_eq!(after_user_message(Archived, false), InProgress);
        assert_eq!(after_user_message(Appeals, false), InProgress);
        assert_eq!(after_user_message(New, false), New);
        assert_eq!(after_user_message(Filtered, true), Filtered);
    }
}
