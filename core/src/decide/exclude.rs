//! What a subreddit's moderators excluded from the bot in its console: bans marked
//! unappealable, users on the blocklist, and everything new while the bot is paused.

use crate::domain::{BanEntry, Conversation, RedditUsername};

use super::{Decision, Quiet};

/// The console's exclusions for one subreddit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// A ban whose reason or moderators' note contains this text (compared without regard to
    /// case, e.g. `#noappeal`) is not appealable through the form.
    pub unappealable_marker: Option<String>,
    /// Users never offered a form.
    pub blocklist: Vec<RedditUsername>,
}

/// Why a new appeal is not started for this user, if it is not. Only new engagements are
/// excluded: an appeal already under way continues (its user was promised a form).
pub fn excluded(
    ex: &Exclusions,
    conv: &Conversation,
    ban: Option<&BanEntry>,
    user: &RedditUsername,
) -> Option<Decision> {
    if ex.blocklist.iter().any(|b| b == user) {
        return Some(Decision::Skip(
            "the user is on the subreddit's blocklist".to_owned(),
        ));
    }
    let marker = ex
        .unappealable_marker
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())?
        .to_lowercase();
    let reason = conv
        .participant
        .as_ref()
        .map(|p| p.ban_reason.as_str())
        .unwrap_or_default();
    let note = ban.map(|b| b.note.as_str()).unwrap_or_default();
    // The ban message quotes the reason too; moderators often put the marker there.
    let notice = conv
        .messages
        .first()
        .filter(|m| m.author.is_mod)
        .map(|m| m.body_markdown.as_str())
        .unwrap_or_default();
    [reason, note, notice]
        .iter()
        .any(|t| t.to_lowercase().contains(&marker))
        .then(|| Decision::Skip(format!("the ban is marked unappealable ({marker})")))
}

/// While a subreddit is paused, nothing new is promised: a decision that would start an
/// appeal or leave the missing-reason note becomes "left alone". Everything else — a
/// reminder with the link already sent, the final message and note of a submitted form,
/// recording a control appellant already drawn — goes on as promised.
pub fn while_paused(decision: Decision) -> Decision {
    match decision {
        Decision::StartAppeal(_) | Decision::NoteMissingReason(_) => {
            Decision::Nothing(Quiet::Paused)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::{Action, Body};
    use crate::domain::*;
    use chrono::{TimeZone, Utc};

    fn conv(reason: &str, notice: &str) -> Conversation {
        let t = Utc.timestamp_opt(1_700_000_000, 0).single().expect("time");
        let who = |name: &str, is_mod| Author {
            name: name.into(),
            is_mod,
            is_admin: false,
            is_participant: !is_mod,
            is_deleted: false,
            is_hidden: false,
        };
        Conversation {
            summary: ConversationSummary {
                id: ConversationId::parse("c1").expect("id"),
                subreddit: SubredditName::parse("pics").expect("sub"),
                subject: "banned".into(),
                state: ConversationState::InProgress,
                last_updated: t,
                last_user_update: None,
                last_mod_update: None,
                participant: None,
                num_messages: 1,
                is_auto: false,
                legacy_first_message_id: None,
            },
            authors: vec![],
            messages: vec![Message {
                id: "m1".into(),
                author: who("a_mod", true),
                body_markdown: notice.into(),
                is_internal: false,
                date: t,
            }],
            mod_actions: vec![],
            participant: Some(ParticipantInfo {
                name: RedditUsername::parse("someone").expect("user"),
                is_banned: true,
                ban_is_permanent: true,
                ban_end: None,
                ban_reason: reason.into(),
                is_muted: false,
                is_suspended: false,
                is_shadow_banned: false,
                recent_conversations: Vec::new(),
            }),
        }
    }

    fn user(name: &str) -> RedditUsername {
        RedditUsername::parse(name).expect("user")
    }

    #[test]
    fn marker_in_reason_note_or_notice_excludes() {
        let ex = Exclusions {
            unappealable_marker: Some(" #NoAppeal ".into()),
            blocklist: vec![],
        };
        let someone = user("someone");
        assert!(excluded(&ex, &conv("spam #noappeal", ""), None, &someone).is_some());
        assert!(excluded(&ex, &conv("", "> doxxing #NOAPPEAL"), None, &someone).is_some());
        let ban = BanEntry {
            user: someone.clone(),
            date: Utc.timestamp_opt(0, 0).single().expect("t"),
            note: "#noappeal repeat offender".into(),
        };
        assert!(excluded(&ex, &conv("spam", ""), Some(&ban), &someone).is_some());
        assert_eq!(excluded(&ex, &conv("spam", "> spam"), None, &someone), None);
        let blank = Exclusions {
            unappealable_marker: Some("  ".into()),
            blocklist: vec![],
        };
        assert_eq!(
            excluded(&blank, &conv("anything", ""), None, &someone),
            None
        );
    }

    #[test]
    fn the_blocklist_compares_names_like_reddit() {
        let ex = Exclusions {
            unappealable_marker: None,
            blocklist: vec![user("Troll_1")],
        };
        assert!(excluded(&ex, &conv("", ""), None, &user("troll_1")).is_some());
        assert_eq!(excluded(&ex, &conv("", ""), None, &user("someone")), None);
    }

    #[test]
    fn pausing_stops_only_new_promises() {
        let start = Decision::StartAppeal(vec![Action::Reply(Body::Initial), Action::Archive]);
        assert_eq!(while_paused(start), Decision::Nothing(Quiet::Paused));
        assert_eq!(
            while_paused(Decision::NoteMissingReason(vec![])),
            Decision::Nothing(Quiet::Paused)
        );
        let remind = Decision::Remind(vec![Action::Reply(Body::Reminder), Action::Archive]);
        assert_eq!(while_paused(remind.clone()), remind);
        let complete = Decision::Complete(vec![Action::Reply(Body::Final)]);
        assert_eq!(while_paused(complete.clone()), complete);
        assert_eq!(while_paused(Decision::Control), Decision::Control);
    }
}
