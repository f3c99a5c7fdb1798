//! Reddit's Mod Notes: a short note moderators keep on a user in their subreddit, shown
//! wherever Reddit shows that user to them (a separate thing from the private note the bot
//! leaves in a modmail conversation).

use std::fmt;

use chrono::{DateTime, Utc};

use super::{RedditUsername, SubredditName};

/// Reddit refuses a longer note (`TOO_LONG`); counted in characters.
pub const MOD_NOTE_MAX_CHARS: usize = 250;

/// Reddit's id of a note (`ModNote_` and a UUID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModNoteId(pub String);

impl ModNoteId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModNoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The label moderators may give a note; the names are Reddit's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModNoteLabel {
    BotBan,
    PermaBan,
    Ban,
    AbuseWarning,
    SpamWarning,
    SpamWatch,
    SolidContributor,
    HelpfulUser,
    /// A label Reddit added after this was written: read back as sent, never sent by us.
    Other(String),
}

impl ModNoteLabel {
    /// Reddit's spelling (`PERMA_BAN`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::BotBan => "BOT_BAN",
            Self::PermaBan => "PERMA_BAN",
            Self::Ban => "BAN",
            Self::AbuseWarning => "ABUSE_WARNING",
            Self::SpamWarning => "SPAM_WARNING",
            Self::SpamWatch => "SPAM_WATCH",
            Self::SolidContributor => "SOLID_CONTRIBUTOR",
            Self::HelpfulUser => "HELPFUL_USER",
            Self::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "BOT_BAN" => Self::BotBan,
            "PERMA_BAN" => Self::PermaBan,
            "BAN" => Self::Ban,
            "ABUSE_WARNING" => Self::AbuseWarning,
            "SPAM_WARNING" => Self::SpamWarning,
            "SPAM_WATCH" => Self::SpamWatch,
            "SOLID_CONTRIBUTOR" => Self::SolidContributor,
            "HELPFUL_USER" => Self::HelpfulUser,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A user note as Reddit lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModNote {
    pub id: ModNoteId,
    pub subreddit: SubredditName,
    pub user: RedditUsername,
    /// The moderator (or bot) who wrote it, as Reddit names them (possibly `[deleted]`).
    pub operator: String,
    pub note: String,
    pub label: Option<ModNoteLabel>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_unknown_ones_are_kept() {
        for l in [
            ModNoteLabel::BotBan,
            ModNoteLabel::PermaBan,
            ModNoteLabel::Ban,
            ModNoteLabel::AbuseWarning,
            ModNoteLabel::SpamWarning,
            ModNoteLabel::SpamWatch,
            ModNoteLabel::SolidContributor,
            ModNoteLabel::HelpfulUser,
        ] {
            assert_eq!(ModNoteLabel::parse(l.as_str()), l);
        }
        assert_eq!(
            ModNoteLabel::parse("NEW_ONE"),
            ModNoteLabel::Other("NEW_ONE".into())
        );
    }
}
