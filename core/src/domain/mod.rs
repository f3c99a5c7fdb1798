//! Domain types: what the bot, the site and the storage agree on. No I/O here.

mod appeal;
mod case;
mod language;
mod mod_note;
mod moderation;
mod modmail;
mod names;
mod record;

pub use appeal::*;
pub use case::*;
pub use language::{Language, UnknownLanguage};
pub use mod_note::*;
pub use moderation::*;
pub use modmail::*;
pub use names::{ConversationId, Email, ParseError, RedditUsername, SubredditName};
pub use record::*;
