//! Reddit's Mod Notes: short notes moderators keep on a user in a subreddit
//! (`POST`/`GET /api/mod/notes`). Only user notes are simulated: Reddit also lists its own
//! action notes (bans, removals, …) under other `type`s, which nothing here produces.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::Serialize;

use super::{AccountStatus, Sim, SimError, key};
use crate::types::LedgerKind;

/// Reddit refuses a longer note with `TOO_LONG`.
pub const MOD_NOTE_MAX_CHARS: usize = 250;

/// The labels Reddit accepts (`label`), as it spells them.
pub const MOD_NOTE_LABELS: &[&str] = &[
    "BOT_BAN",
    "PERMA_BAN",
    "BAN",
    "ABUSE_WARNING",
    "SPAM_WARNING",
    "SPAM_WATCH",
    "SOLID_CONTRIBUTOR",
    "HELPFUL_USER",
];

/// The `filter` values of `GET /api/mod/notes`; anything else is `INVALID_OPTION`.
pub const MOD_NOTE_FILTERS: &[&str] = &[
    "NOTE",
    "APPROVAL",
    "REMOVAL",
    "BAN",
    "MUTE",
    "INVITE",
    "SPAM",
    "CONTENT_CHANGE",
    "MOD_ACTION",
    "ALL",
];

/// One user note.
#[derive(Clone, Debug, Serialize)]
pub struct ModNote {
    /// `ModNote_` and a UUID.
    pub id: String,
    /// Lower-cased subreddit name.
    pub subreddit: String,
    /// Lower-cased name of the user the note is about.
    pub user: String,
    /// Lower-cased name of the moderator who wrote it.
    pub operator: String,
    pub note: String,
    pub label: Option<String>,
    /// Fullname of a comment or post the note is attached to.
    pub reddit_id: Option<String>,
    /// Strictly increasing, so that the millisecond cursors of a listing never tie.
    pub created: DateTime<Utc>,
}

/// A note as `POST /api/mod/notes` receives it.
#[derive(Clone, Debug, Default)]
pub struct NewModNote<'a> {
    pub subreddit: &'a str,
    pub user: &'a str,
    pub note: &'a str,
    pub label: Option<&'a str>,
    pub reddit_id: Option<&'a str>,
}

/// What `GET /api/mod/notes` asks for.
#[derive(Clone, Debug, Default)]
pub struct ModNoteQuery<'a> {
    pub subreddit: &'a str,
    pub user: &'a str,
    pub filter: Option<&'a str>,
    pub limit: Option<usize>,
    /// Only notes older than this cursor (a `cursor` of an earlier page).
    pub before: Option<DateTime<Utc>>,
}

/// One page of notes, newest first, and whether older ones remain.
#[derive(Clone, Debug)]
pub struct ModNotePage {
    pub notes: Vec<ModNote>,
    pub has_next_page: bool,
}

fn bad_subreddit() -> SimError {
    SimError::bad(
        "BAD_SR_NAME",
        "subreddit",
        "This community name isn't recognizable. Check the spelling and try again.",
    )
}

fn bad_user() -> SimError {
    SimError::bad("USER_DOESNT_EXIST", "user", "that user doesn't exist")
}

/// `t1_` (comment) or `t3_` (post) and a base36 id: what `reddit_id` may name.
fn is_thing_id(id: &str) -> bool {
    id.strip_prefix("t1_")
        .or_else(|| id.strip_prefix("t3_"))
        .is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        })
}

fn checked_note(note: &NewModNote<'_>) -> Result<(), SimError> {
    if note.note.trim().is_empty() {
        return Err(SimError::bad("NO_TEXT", "note", "we need something here"));
    }
    if note.note.chars().count() > MOD_NOTE_MAX_CHARS {
        return Err(SimError::bad(
            "TOO_LONG",
            "note",
            "This field must be under 250 characters",
        ));
    }
    if note.label.is_some_and(|l| !MOD_NOTE_LABELS.contains(&l)) {
        return Err(SimError::bad(
            "INVALID_OPTION",
            "label",
            "that option is not valid",
        ));
    }
    if note.reddit_id.is_some_and(|r| !is_thing_id(r)) {
        return Err(SimError::bad(
            "NO_THING_ID",
            "reddit_id",
            "id not specified",
        ));
    }
    Ok(())
}

impl Sim {
    /// The (subreddit, user) keys of a notes call: Reddit names the field at fault.
    fn note_target(&self, subreddit: &str, user: &str) -> Result<(String, String), SimError> {
        let sub = key(subreddit);
        if sub.is_empty() || !self.subreddits.contains_key(&sub) {
            return Err(bad_subreddit());
        }
        let user = key(user);
        match self.users.get(&user) {
            Some(u) if u.status != AccountStatus::Deleted => Ok((sub, user)),
            _ => Err(bad_user()),
        }
    }

    fn new_note_id(&mut self) -> String {
        let (a, b, c, d, e): (u32, u16, u16, u16, u64) = (
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
        );
        format!(
            "ModNote_{a:08x}-{b:04x}-4{:03x}-{:04x}-{:012x}",
            c & 0x0fff,
            (d & 0x3fff) | 0x8000,
            e & 0xffff_ffff_ffff
        )
    }

    /// `POST /api/mod/notes` as `actor`: a moderator with the Manage Users (`access`)
    /// permission adds a note; the bot's notes are recorded in the ledger.
    pub fn api_add_mod_note(
        &mut self,
        actor: &str,
        note: &NewModNote<'_>,
        now: DateTime<Utc>,
    ) -> Result<ModNote, SimError> {
        let (sub, user) = self.note_target(note.subreddit, note.user)?;
        if !self.can(&sub, actor, "access") {
            return Err(SimError::Forbidden(format!(
                "{actor} may not add mod notes in r/{sub}"
            )));
        }
        checked_note(note)?;
        // Cursors carry milliseconds: a note's time is kept at that precision and made
        // strictly later than the last one's, so `before=` never skips a note made within
        // the same millisecond as the page's last one.
        let now_ms = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
        let last = self.mod_notes.last().map(|n| n.created);
        let created = last
            .filter(|l| *l >= now_ms)
            .map_or(now_ms, |l| l + Duration::milliseconds(1));
        let made = ModNote {
            id: self.new_note_id(),
            subreddit: sub,
            user,
            operator: key(actor),
            note: note.note.to_owned(),
            label: note.label.map(str::to_owned),
            reddit_id: note.reddit_id.map(str::to_owned),
            created,
        };
        self.mod_notes.push(made.clone());
        self.record_mod_note(actor, &made, now);
        Ok(made)
    }

    fn record_mod_note(&mut self, actor: &str, note: &ModNote, now: DateTime<Utc>) {
        if !self.is_bot(actor) {
            return;
        }
        let seq = self.ledger.len() as u64 + 1;
        self.ledger.push(crate::types::LedgerEntry {
            seq,
            conversation_id: String::new(),
            kind: LedgerKind::ModNote,
            body: Some(note.note.clone()),
            object_id: note.id.clone(),
            at: now,
            subreddit: Some(note.subreddit.clone()),
            user: Some(note.user.clone()),
        });
    }

    /// `GET /api/mod/notes` as `actor`, newest first. Like Reddit, someone who may not
    /// read the notes gets an empty page rather than an error.
    pub fn api_mod_notes(
        &self,
        actor: &str,
        q: &ModNoteQuery<'_>,
    ) -> Result<ModNotePage, SimError> {
        let (sub, user) = self.note_target(q.subreddit, q.user)?;
        let filter = q.filter.filter(|f| !f.is_empty()).unwrap_or("ALL");
        if !MOD_NOTE_FILTERS.contains(&filter) {
            return Err(SimError::bad(
                "INVALID_OPTION",
                "filter",
                "that option is not valid",
            ));
        }
        let listed = self.can(&sub, actor, "access") && matches!(filter, "NOTE" | "ALL");
        let limit = q.limit.unwrap_or(25).clamp(1, 100);
        let mut notes: Vec<ModNote> = self
            .mod_notes
            .iter()
            .rev()
            .filter(|n| listed && n.subreddit == sub && n.user == user)
            .filter(|n| q.before.is_none_or(|b| n.created < b))
            .cloned()
            .collect();
        let has_next_page = notes.len() > limit;
        notes.truncate(limit);
        Ok(ModNotePage {
            notes,
            has_next_page,
        })
    }

    /// Every note, oldest first (the control API).
    pub fn all_mod_notes(&self) -> &[ModNote] {
        &self.mod_notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thing_ids_are_comments_or_posts() {
        assert!(is_thing_id("t1_i6yklz7"));
        assert!(is_thing_id("t3_uflrmv"));
        assert!(!is_thing_id("t2_abc"));
        assert!(!is_thing_id("t3_"));
        assert!(!is_thing_id("t3_ABC"));
    }

    #[test]
    fn two_hundred_fifty_characters_pass_one_more_does_not() {
        let ok = "é".repeat(250);
        let long = "é".repeat(251);
        fn note(n: &str) -> NewModNote<'_> {
            NewModNote {
                note: n,
                ..Default::default()
            }
        }
        assert!(checked_note(&note(&ok)).is_ok());
        let err = checked_note(&note(&long)).unwrap_err();
        assert!(
            matches!(
                err,
                SimError::Api {
                    reason: "TOO_LONG",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = checked_note(&note("  ")).unwrap_err();
        assert!(
            matches!(
                err,
                SimError::Api {
                    reason: "NO_TEXT",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
