//! What the bot does and what the site, the FAQ and the README say it does, in one place:
//! the bot reads these numbers, and the pages print them from here, so the texts cannot
//! drift from the behaviour (the site's tests find each printed number on the page).

/// The reminders with the link the bot sends at most when a user writes again without
/// filling the form, unless a subreddit's console sets another number; after the last one
/// it stops archiving and hands the conversation to the moderators.
pub const MAX_REMINDERS: i64 = 3;

/// How long the form takes, as the bot's messages and the pages say it.
pub const FORM_DURATION: &str = "2–3 minutes";

/// The moderator permissions the bot needs (Mail, Access) and how the pages name them.
pub use crate::domain::{BOT_PERMISSIONS, bot_permissions_text};

/// "three": how the pages write a small count in running text.
pub fn count_in_words(n: i64) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| WORDS.get(i))
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Messages;

    #[test]
    fn the_built_in_messages_state_the_form_duration() {
        let m = Messages::default();
        assert!(m.initial.contains(FORM_DURATION), "{}", m.initial);
        assert!(m.reminder.contains(FORM_DURATION), "{}", m.reminder);
    }

    #[test]
    fn the_bot_needs_mail_and_access() {
        assert_eq!(bot_permissions_text(), "Mail and Access");
    }

    #[test]
    fn small_counts_are_words() {
        assert_eq!(count_in_words(MAX_REMINDERS), "three");
        assert_eq!(count_in_words(1), "one");
        assert_eq!(count_in_words(12), "12");
        assert_eq!(count_in_words(-1), "-1");
    }
}
