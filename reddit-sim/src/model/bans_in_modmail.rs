//! Bans acted on from a modmail conversation: `POST .../unban` and `.../temp_ban`, as the
//! bot (through the API) or a moderator (control API) does them. Reddit records these in
//! the conversation's `modActions` (7 ban, 8 unban); a ban lifted in the ban list does not.

use chrono::{DateTime, Utc};

use super::{Sim, SimError, key};
use crate::types::{LedgerKind, ModActionKind};

impl Sim {
    /// The participant's `(subreddit, user)` after checking that `actor` may ban there:
    /// modmail access (404 before 403) and the `access` permission (or `all`), as Reddit
    /// asks of a moderator who bans or unbans.
    fn ban_target(&self, actor: &str, conversation_id: &str) -> Result<(String, String), SimError> {
        let conv = self.access(actor, conversation_id)?;
        if !self.can(&conv.subreddit, actor, "access") {
            return Err(SimError::Api {
                status: 403,
                reason: "SUBREDDIT_NO_ACCESS",
                field: None,
                explanation: Some("The access permission is needed to ban or unban."),
            });
        }
        let user = conv.participant.clone().ok_or(SimError::Api {
            status: 400,
            reason: "NO_PARTICIPANT",
            field: Some("conversation_id"),
            explanation: Some("This conversation has no participant."),
        })?;
        Ok((key(&conv.subreddit), user))
    }

    /// `POST /api/mod/conversations/{id}/unban` by `actor`: the participant's ban (if any)
    /// is lifted and the conversation records the unban.
    pub fn api_unban(
        &mut self,
        actor: &str,
        conversation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        let (sub, user) = self.ban_target(actor, conversation_id)?;
        self.bans.remove(&(sub, user));
        let id = self.act(conversation_id, actor, ModActionKind::Unban, now)?;
        self.record(actor, conversation_id, LedgerKind::Unban, None, &id, now);
        Ok(id)
    }

    /// `POST /api/mod/conversations/{id}/temp_ban` by `actor`: the participant is banned
    /// for `days` (1 to 999) from now, the moderators' note of an earlier ban kept.
    pub fn api_temp_ban(
        &mut self,
        actor: &str,
        conversation_id: &str,
        days: u32,
        now: DateTime<Utc>,
    ) -> Result<String, SimError> {
        if !(1..=999).contains(&days) {
            return Err(SimError::Api {
                status: 400,
                reason: "BAD_NUMBER",
                field: Some("duration"),
                explanation: Some("The duration must be a number of days from 1 to 999."),
            });
        }
        let (sub, user) = self.ban_target(actor, conversation_id)?;
        let moderator = self.display_name(actor);
        self.next_rel += 1;
        let rel_id = format!("rb_{}", super::base36(self.next_rel));
        let earlier = self.bans.remove(&(sub.clone(), user.clone()));
        let ban = super::Ban {
            subreddit: sub.clone(),
            user: user.clone(),
            note: earlier.as_ref().map(|b| b.note.clone()).unwrap_or_default(),
            reason: earlier.and_then(|b| b.reason),
            duration_days: Some(days),
            moderator,
            at: now,
            rel_id,
        };
        self.bans.insert((sub, user), ban);
        let id = self.act(conversation_id, actor, ModActionKind::Ban, now)?;
        self.record(
            actor,
            conversation_id,
            LedgerKind::TempBan,
            Some(days.to_string()),
            &id,
            now,
        );
        Ok(id)
    }
}
