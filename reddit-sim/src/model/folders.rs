//! The mailboxes of `GET /api/mod/conversations?state=…`.
//!
//! Recorded: the default listing (no `state`) holds states 0, 1 and 3 and never 2, and
//! none of it is a mod discussion. Documented (PRAW): `all` leaves out archived and mod
//! conversations, `inbox` also leaves out appeals. The rest follow their names: one state
//! each, or one flag (`mod` = mod discussions, `highlighted`, `notifications` = automatic
//! messages to the mod team that have no user on the other side).

use std::str::FromStr;

use super::{ConvState, Conversation};

/// A modmail mailbox as the `state` parameter names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    /// `all`, `default`, or no parameter.
    All,
    /// `inbox`: like `all` without ban appeals.
    Inbox,
    New,
    InProgress,
    Archived,
    Appeals,
    JoinRequests,
    Filtered,
    /// `mod`: mod discussions (`isInternal`, no participant).
    Mod,
    Highlighted,
    Notifications,
}

impl FromStr for Folder {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "all" | "default" => Self::All,
            "inbox" => Self::Inbox,
            "new" => Self::New,
            "inprogress" => Self::InProgress,
            "archived" => Self::Archived,
            "appeals" => Self::Appeals,
            "join_requests" => Self::JoinRequests,
            "filtered" => Self::Filtered,
            "mod" => Self::Mod,
            "highlighted" => Self::Highlighted,
            "notifications" => Self::Notifications,
            _ => return Err(()),
        })
    }
}

impl Folder {
    /// Whether `c` is listed in this mailbox.
    pub fn holds(self, c: &Conversation) -> bool {
        let open = c.state != ConvState::Archived;
        match self {
            Self::All => {
                !c.is_internal
                    && matches!(
                        c.state,
                        ConvState::New | ConvState::InProgress | ConvState::Appeals
                    )
            }
            Self::Inbox => {
                !c.is_internal && matches!(c.state, ConvState::New | ConvState::InProgress)
            }
            Self::New => !c.is_internal && c.state == ConvState::New,
            Self::InProgress => !c.is_internal && c.state == ConvState::InProgress,
            Self::Archived => c.state == ConvState::Archived,
            Self::Appeals => c.state == ConvState::Appeals,
            Self::JoinRequests => c.state == ConvState::JoinRequests,
            Self::Filtered => c.state == ConvState::Filtered,
            Self::Mod => c.is_internal && open,
            Self::Highlighted => c.is_highlighted && open,
            Self::Notifications => c.is_auto && c.participant.is_none() && open,
        }
    }
}
