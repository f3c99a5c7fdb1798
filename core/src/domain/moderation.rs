//! Moderators, their Reddit permissions, and the life of a signed-up subreddit.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{RedditUsername, SubredditName};

/// One of Reddit's moderator permissions (`mod_permissions` in its JSON).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModPermission {
    /// Full permissions: every other one included.
    All,
    /// "Manage Users": the ban list, among others.
    Access,
    Config,
    Flair,
    /// "Manage Mod Mail": read, answer, archive.
    Mail,
    Posts,
    Wiki,
    ChatConfig,
    ChatOperator,
    /// A permission Reddit added after this was written; kept, never granting anything.
    Other(String),
}

impl ModPermission {
    /// Reddit's name of the permission.
    pub fn parse(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "all" => Self::All,
            "access" => Self::Access,
            "config" => Self::Config,
            "flair" => Self::Flair,
            "mail" => Self::Mail,
            "posts" => Self::Posts,
            "wiki" => Self::Wiki,
            "chat_config" => Self::ChatConfig,
            "chat_operator" => Self::ChatOperator,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::All => "all",
            Self::Access => "access",
            Self::Config => "config",
            Self::Flair => "flair",
            Self::Mail => "mail",
            Self::Posts => "posts",
            Self::Wiki => "wiki",
            Self::ChatConfig => "chat_config",
            Self::ChatOperator => "chat_operator",
            Self::Other(s) => s,
        }
    }

    /// The name Reddit's moderator tools show ("Mail", "Access").
    pub fn label(&self) -> &str {
        match self {
            Self::All => "Everything",
            Self::Access => "Access",
            Self::Config => "Config",
            Self::Flair => "Flair",
            Self::Mail => "Mail",
            Self::Posts => "Posts",
            Self::Wiki => "Wiki",
            Self::ChatConfig => "Chat Config",
            Self::ChatOperator => "Chat Operator",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for ModPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What the bot account must hold in a subreddit, in the order the site names them: Mail
/// (read and answer modmail, archive and unarchive) and Access (read the ban list, for the
/// moderators' note and the ban date).
pub const BOT_PERMISSIONS: [ModPermission; 2] = [ModPermission::Mail, ModPermission::Access];

/// "Mail and Access": the permissions the bot needs, as the pages, the README and the FAQ say.
pub fn bot_permissions_text() -> String {
    join_labels(&BOT_PERMISSIONS)
}

/// "Mail", "Mail and Access", "Mail, Access and Posts".
pub fn join_labels(perms: &[ModPermission]) -> String {
    let labels: Vec<&str> = perms.iter().map(ModPermission::label).collect();
    match labels.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The permissions one moderator holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModPermissions(Vec<ModPermission>);

impl ModPermissions {
    pub fn new(perms: impl IntoIterator<Item = ModPermission>) -> Self {
        let mut v: Vec<ModPermission> = Vec::new();
        for p in perms {
            if !v.contains(&p) {
                v.push(p);
            }
        }
        v.sort();
        Self(v)
    }

    /// From Reddit's names (`["mail", "access"]`).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Self {
        Self::new(names.iter().map(|n| ModPermission::parse(n.as_ref())))
    }

    pub fn full() -> Self {
        Self(vec![ModPermission::All])
    }

    /// Held directly or through full permissions.
    pub fn has(&self, p: &ModPermission) -> bool {
        self.0.iter().any(|g| g == p || *g == ModPermission::All)
    }

    pub fn is_full(&self) -> bool {
        self.0.contains(&ModPermission::All)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ModPermission> {
        self.0.iter()
    }

    /// Reddit's names, comma-separated (how storage keeps them).
    pub fn to_names(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(ModPermission::as_str).collect();
        names.join(",")
    }

    /// The inverse of [`Self::to_names`].
    pub fn parse_names(s: &str) -> Self {
        let names: Vec<&str> = s.split(',').filter(|n| !n.trim().is_empty()).collect();
        Self::from_names(&names)
    }

    /// What the moderator tools would show ("Everything", "Mail and Access").
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            "no permissions".to_owned()
        } else {
            join_labels(&self.0)
        }
    }
}

/// Which of the bot's permissions `granted` lacks, in [`BOT_PERMISSIONS`] order.
pub fn missing_bot_permissions(granted: &ModPermissions) -> Vec<ModPermission> {
    BOT_PERMISSIONS
        .iter()
        .filter(|p| !granted.has(p))
        .cloned()
        .collect()
}

/// Whether a moderator with `perms` may sign a subreddit up and use its console: full
/// permissions or Mail (the console shows modmail conversations and changes what the bot
/// writes there).
pub fn may_use_console(perms: &ModPermissions) -> bool {
    perms.has(&ModPermission::Mail)
}

/// What [`may_use_console`] accepts, as the pages and the README say it ("… with the Mail
/// or full permissions").
pub const CONSOLE_PERMISSIONS_TEXT: &str = "Mail or full";

/// A subreddit as one moderator's account sees it (`subreddits/mine/moderator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeratedSubreddit {
    pub name: SubredditName,
    pub permissions: ModPermissions,
}

/// One entry of a subreddit's moderator list (`about/moderators`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubredditModerator {
    pub name: RedditUsername,
    pub permissions: ModPermissions,
    /// When they became a moderator.
    pub since: Option<DateTime<Utc>>,
}

/// What accepting a moderator invite did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteOutcome {
    Accepted,
    /// Reddit had no pending invite for the account (`NO_INVITE_FOUND`).
    NoInvite,
}

/// Where a signed-up subreddit stands. Only `Active` and `Paused` are served; "needs
/// attention" (the bot lost a permission) is a flag on top of either, not a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubredditState {
    /// Signed up; the bot has not confirmed yet that it moderates with what it needs.
    Pending,
    Active,
    /// A moderator paused the bot: new conversations are left alone.
    Paused,
}

impl SubredditState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Paused => "paused",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for the bot",
            Self::Active => "Active",
            Self::Paused => "Paused",
        }
    }

    /// Whether the runners list its modmail. A paused subreddit is listed so that what was
    /// promised to appellants (reminders, the final message) still happens.
    pub fn is_served(self) -> bool {
        matches!(self, Self::Active | Self::Paused)
    }
}

impl fmt::Display for SubredditState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the bot's last check of a subreddit found about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BotStanding {
    /// Not checked yet.
    Unchecked,
    /// A moderator with every permission it needs.
    Ready,
    /// A moderator lacking these permissions.
    Missing(Vec<ModPermission>),
    /// Not a moderator, and no invite to accept.
    NotModerator,
    /// Reddit does not show the subreddit (it does not exist, is banned or private).
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_permissions_text_says_what_may_use_console_accepts() {
        assert_eq!(CONSOLE_PERMISSIONS_TEXT, "Mail or full");
        let with = |p: Vec<ModPermission>| may_use_console(&ModPermissions(p));
        assert!(with(vec![ModPermission::Mail]), "Mail");
        assert!(with(vec![ModPermission::All]), "full");
        assert!(
            !with(vec![ModPermission::Access, ModPermission::Flair]),
            "others"
        );
        assert!(!with(Vec::new()), "none");
    }

    #[test]
    fn full_permissions_hold_everything() {
        let full = ModPermissions::from_names(&["all"]);
        assert!(missing_bot_permissions(&full).is_empty());
        assert!(may_use_console(&full));
        let mail = ModPermissions::from_names(&["mail"]);
        assert_eq!(missing_bot_permissions(&mail), vec![ModPermission::Access]);
        assert!(may_use_console(&mail));
        let flair = ModPermissions::from_names(&["flair", "posts"]);
        assert_eq!(
            missing_bot_permissions(&flair),
            vec![ModPermission::Mail, ModPermission::Access]
        );
        assert!(!may_use_console(&flair));
        assert!(!may_use_console(&ModPermissions::default()));
    }

    #[test]
    fn names_round_trip_and_unknown_ones_grant_nothing() {
        let p = ModPermissions::from_names(&["access", "MAIL", "mail", "chat_config", "new_x"]);
        assert_eq!(p.to_names(), "access,mail,chat_config,new_x");
        assert_eq!(ModPermissions::parse_names(&p.to_names()), p);
        assert_eq!(ModPermissions::parse_names(""), ModPermissions::default());
        assert!(!ModPermissions::from_names(&["new_x"]).has(&ModPermission::Mail));
    }

    #[test]
    fn the_texts_say_mail_and_access() {
        assert_eq!(bot_permissions_text(), "Mail and Access");
        assert_eq!(join_labels(&[ModPermission::Mail]), "Mail");
        assert_eq!(
            join_labels(&[
                ModPermission::Mail,
                ModPermission::Access,
                ModPermission::Posts
            ]),
            "Mail, Access and Posts"
        );
        assert_eq!(ModPermissions::full().describe(), "Everything");
    }

    #[test]
    fn only_active_and_paused_are_served() {
        assert!(!SubredditState::Pending.is_served());
        assert!(SubredditState::Active.is_served());
        assert!(SubredditState::Paused.is_served());
    }
}
