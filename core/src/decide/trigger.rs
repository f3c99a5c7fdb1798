//! When the bot engages: a small rule language over facts of one conversation.
//!
//! Rules are configuration (`bot.trigger` in the config file):
//!
//! ```yaml
//! trigger:
//!   engage:
//!     all:
//!       - participant_wrote
//!       - participant_banned
//!       - not: ban_is_temporary
//!       - not: human_moderator_wrote
//!       - any: [ban_reason_present, user_started]
//!       - not: { ban_note_starts_with: Autoban }
//!       - not: { author_is_one_of: [ArchangelleN8theGr8, saferbot] }
//!   note_missing_reason:
//!     all: [...]   # when true (and `engage` is false), leave one internal note
//! ```
//!
//! Conditions: `participant_wrote`, `participant_banned`, `ban_is_temporary`, `human_moderator_wrote`,
//! `ban_reason_present`, `user_started` (the participant opened the conversation), `{subject_matches: REGEX}`, `{ban_note_starts_with: TEXT}`,
//! `{author_is_one_of: [NAMES]}`; combinators `all`, `any`, `not`.

use regex::Regex;

use crate::domain::{BanEntry, Conversation, ConversationId};

/// A rule as written in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleSpec {
    All(Vec<RuleSpec>),
    Any(Vec<RuleSpec>),
    Not(Box<RuleSpec>),
    ParticipantWrote,
    ParticipantBanned,
    BanIsTemporary,
    HumanModeratorWrote,
    BanReasonPresent,
    UserStarted,
    SubjectMatches(String),
    BanNoteStartsWith(String),
    AuthorIsOneOf(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerSpec {
    pub engage: RuleSpec,
    pub note_missing_reason: Option<RuleSpec>,
    /// Moderator accounts that are automation, not people (their messages do not count as
    /// "a human moderator wrote"). The bot's own account is always excluded.
    pub automation_accounts: Vec<String>,
}

fn default_automation() -> Vec<String> {
    vec!["AutoModerator".to_owned()]
}

/// A rule ready to evaluate (patterns compiled).
#[derive(Debug, Clone)]
pub enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Condition(Condition),
}

#[derive(Debug, Clone)]
pub enum Condition {
    ParticipantWrote,
    ParticipantBanned,
    BanIsTemporary,
    HumanModeratorWrote,
    BanReasonPresent,
    UserStarted,
    SubjectMatches(Regex),
    BanNoteStartsWith(String),
    AuthorIsOneOf(Vec<String>),
}

impl Condition {
    pub fn name(&self) -> String {
        match self {
            Self::ParticipantWrote => "participant_wrote".to_owned(),
            Self::ParticipantBanned => "participant_banned".to_owned(),
            Self::BanIsTemporary => "ban_is_temporary".to_owned(),
            Self::HumanModeratorWrote => "human_moderator_wrote".to_owned(),
            Self::BanReasonPresent => "ban_reason_present".to_owned(),
            Self::UserStarted => "user_started".to_owned(),
            Self::SubjectMatches(r) => format!("subject_matches({})", r.as_str()),
            Self::BanNoteStartsWith(s) => format!("ban_note_starts_with({s})"),
            Self::AuthorIsOneOf(v) => format!("author_is_one_of({})", v.join(", ")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Trigger {
    engage: Rule,
    note_missing_reason: Option<Rule>,
    automation: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("bot.trigger{path}: {message}")]
pub struct RuleError {
    path: String,
    message: String,
}

fn compile(spec: &RuleSpec, path: &str) -> Result<Rule, RuleError> {
    let err = |message: String| RuleError {
        path: path.to_owned(),
        message,
    };
    Ok(match spec {
        RuleSpec::All(v) | RuleSpec::Any(v) => {
            if v.is_empty() {
                return Err(err("`all` / `any` needs at least one condition".to_owned()));
            }
            let kind = if matches!(spec, RuleSpec::All(_)) {
                "all"
            } else {
                "any"
            };
            let rules = v
                .iter()
                .enumerate()
                .map(|(i, r)| compile(r, &format!("{path}.{kind}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(spec, RuleSpec::All(_)) {
                Rule::All(rules)
            } else {
                Rule::Any(rules)
            }
        }
        RuleSpec::Not(r) => Rule::Not(Box::new(compile(r, &format!("{path}.not"))?)),
        RuleSpec::ParticipantWrote => Rule::Condition(Condition::ParticipantWrote),
        RuleSpec::ParticipantBanned => Rule::Condition(Condition::ParticipantBanned),
        RuleSpec::BanIsTemporary => Rule::Condition(Condition::BanIsTemporary),
        RuleSpec::HumanModeratorWrote => Rule::Condition(Condition::HumanModeratorWrote),
        RuleSpec::BanReasonPresent => Rule::Condition(Condition::BanReasonPresent),
        RuleSpec::UserStarted => Rule::Condition(Condition::UserStarted),
        RuleSpec::SubjectMatches(p) => {
            Rule::Condition(Condition::SubjectMatches(Regex::new(p).map_err(|e| {
                err(format!("subject_matches: invalid pattern {p:?}: {e}"))
            })?))
        }
        RuleSpec::BanNoteStartsWith(s) => {
            if s.is_empty() {
                return Err(err("ban_note_starts_with needs a non-empty text".to_owned()));
            }
            Rule::Condition(Condition::BanNoteStartsWith(s.clone()))
        }
        RuleSpec::AuthorIsOneOf(v) => {
            if v.is_empty() {
                return Err(err("author_is_one_of needs at least one name".to_owned()));
            }
            Rule::Condition(Condition::AuthorIsOneOf(v.clone()))
        }
    })
}

impl TriggerSpec {
    /// The original bot's rules.
    pub fn original() -> Self {
        let common = || {
            vec![
                // A ban notice alone is not an appeal: the user must have written.
                RuleSpec::ParticipantWrote,
                RuleSpec::ParticipantBanned,
                RuleSpec::Not(Box::new(RuleSpec::BanIsTemporary)),
                RuleSpec::Not(Box::new(RuleSpec::HumanModeratorWrote)),
                RuleSpec::Not(Box::new(RuleSpec::BanNoteStartsWith("Autoban".to_owned()))),
                RuleSpec::Not(Box::new(RuleSpec::AuthorIsOneOf(vec![
                    "ArchangelleN8theGr8".to_owned(),
                    "saferbot".to_owned(),
                ]))),
            ]
        };
        // A reason quoted in the ban notice — or a conversation the banned user opened
        // themselves (many write a fresh message instead of answering the ban notice): the
        // form then says the moderators stated no reason there.
        let reason_or_user_started =
            || RuleSpec::Any(vec![RuleSpec::BanReasonPresent, RuleSpec::UserStarted]);
        let mut engage = common();
        engage.insert(4, reason_or_user_started());
        let mut missing = common();
        missing.push(RuleSpec::Not(Box::new(reason_or_user_started())));
        Self {
            engage: RuleSpec::All(engage),
            note_missing_reason: Some(RuleSpec::All(missing)),
            automation_accounts: default_automation(),
        }
    }

    pub fn compile(&self) -> Result<Trigger, RuleError> {
        Ok(Trigger {
            engage: compile(&self.engage, ".engage")?,
            note_missing_reason: self
                .note_missing_reason
                .as_ref()
                .map(|r| compile(r, ".note_missing_reason"))
                .transpose()?,
            automation: self.automation_accounts.clone(),
        })
    }
}

impl Trigger {
    /// Reads `bot.trigger` from the configuration (`None` = the original rules). A bad rule
    /// is an error that names where it is, so the runner refuses to start.
    pub fn from_config(value: Option<&serde_yaml::Value>) -> Result<Self, RuleError> {
        let spec = match value {
            None | Some(serde_yaml::Value::Null) => TriggerSpec::original(),
            Some(v) => spec_from_yaml(v)?,
        };
        spec.compile()
    }

    pub fn original() -> Self {
        match TriggerSpec::original().compile() {
            Ok(t) => t,
            // The built-in rules have no patterns that could fail to compile.
            Err(e) => unreachable!("built-in trigger rules: {e}"),
        }
    }
}

const CONDITIONS: &str = "participant_wrote, participant_banned, ban_is_temporary, human_moderator_wrote, ban_reason_present, user_started, \
     {subject_matches: REGEX}, {ban_note_starts_with: TEXT}, {author_is_one_of: [NAMES]}, \
     {all: [...]}, {any: [...]}, {not: RULE}";

// serde_yaml 0.9 only reads enums from YAML tags (`!not`), which nobody writes by hand;
// this reads the plain `{not: rule}` form and names the exact place of a mistake.
fn spec_from_yaml(v: &serde_yaml::Value) -> Result<TriggerSpec, RuleError> {
    use serde_yaml::Value;
    let err = |path: &str, message: String| RuleError {
        path: path.to_owned(),
        message,
    };
    let Value::Mapping(map) = v else {
        return Err(err("", "must be a section with `engage` (and optionally `note_missing_reason`, `automation_accounts`)".to_owned()));
    };
    let mut spec = TriggerSpec {
        engage: RuleSpec::ParticipantBanned,
        note_missing_reason: None,
        automation_accounts: default_automation(),
    };
    let mut has_engage = false;
    for (k, val) in map {
        match k.as_str() {
            Some("engage") => {
                spec.engage = rule_from_yaml(val, ".engage")?;
                has_engage = true;
            }
            Some("note_missing_reason") => {
                spec.note_missing_reason = if val.is_null() {
                    None
                } else {
                    Some(rule_from_yaml(val, ".note_missing_reason")?)
                };
            }
            Some("automation_accounts") => {
                spec.automation_accounts = strings(val, ".automation_accounts")?
            }
            other => {
                return Err(err(
                    "",
                    format!(
                        "unknown field `{}`, expected one of `engage`, `note_missing_reason`, `automation_accounts`",
                        other.unwrap_or("?")
                    ),
                ));
            }
        }
    }
    if !has_engage {
        return Err(err(".engage", "is missing".to_owned()));
    }
    Ok(spec)
}

fn strings(v: &serde_yaml::Value, path: &str) -> Result<Vec<String>, RuleError> {
    let err = || RuleError {
        path: path.to_owned(),
        message: "expected a list of names".to_owned(),
    };
    v.as_sequence()
        .ok_or_else(err)?
        .iter()
        .map(|x| x.as_str().map(str::to_owned).ok_or_else(err))
        .collect()
}

fn rule_from_yaml(v: &serde_yaml::Value, path: &str) -> Result<RuleSpec, RuleError> {
    use serde_yaml::Value;
    let err = |message: String| RuleError {
        path: path.to_owned(),
        message,
    };
    match v {
        Value::String(s) => match s.as_str() {
            "participant_wrote" => Ok(RuleSpec::ParticipantWrote),
            "participant_banned" => Ok(RuleSpec::ParticipantBanned),
            "ban_is_temporary" => Ok(RuleSpec::BanIsTemporary),
            "human_moderator_wrote" => Ok(RuleSpec::HumanModeratorWrote),
            "ban_reason_present" => Ok(RuleSpec::BanReasonPresent),
            "user_started" => Ok(RuleSpec::UserStarted),
            other => Err(err(format!(
                "unknown condition `{other}`; expected one of {CONDITIONS}"
            ))),
        },
        Value::Mapping(m) if m.len() == 1 => {
            let Some((k, val)) = m.iter().next() else {
                return Err(err("empty rule".to_owned()));
            };
            let key = k.as_str().unwrap_or("?");
            let text = || {
                val.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("`{key}` expects a text")))
            };
            let list = |kind: &str| -> Result<Vec<RuleSpec>, RuleError> {
                let items = val
                    .as_sequence()
                    .ok_or_else(|| err(format!("`{kind}` expects a list of rules")))?;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, r)| rule_from_yaml(r, &format!("{path}.{kind}[{i}]")))
                    .collect()
            };
            match key {
                "all" => Ok(RuleSpec::All(list("all")?)),
                "any" => Ok(RuleSpec::Any(list("any")?)),
                "not" => Ok(RuleSpec::Not(Box::new(rule_from_yaml(
                    val,
                    &format!("{path}.not"),
                )?))),
                "subject_matches" => Ok(RuleSpec::SubjectMatches(text()?)),
                "ban_note_starts_with" => Ok(RuleSpec::BanNoteStartsWith(text()?)),
                "author_is_one_of" => Ok(RuleSpec::AuthorIsOneOf(strings(
                    val,
                    &format!("{path}.author_is_one_of"),
                )?)),
                other => Err(err(format!(
                    "unknown condition `{other}`; expected one of {CONDITIONS}"
                ))),
            }
        }
        _ => Err(err(format!(
            "a rule is a condition name or a one-key section; expected one of {CONDITIONS}"
        ))),
    }
}

/// The trigger's answer for one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerOutcome {
    Engage,
    /// Everything says engage but the ban message carries no reason: leave one note.
    NoteMissingReason,
    /// Not a conversation for the bot; names the first condition that decided it.
    Skip(String),
}

/// What the rules look at, derived once from the conversation.
pub struct Facts<'a> {
    pub conversation: &'a Conversation,
    pub ban: Option<&'a BanEntry>,
    pub bot: &'a str,
    automation: &'a [String],
}

impl<'a> Facts<'a> {
    /// The first message is the ban notice when a moderator started the conversation.
    fn mod_started(&self) -> bool {
        self.conversation
            .messages
            .first()
            .is_some_and(|m| m.author.is_mod)
    }

    fn eval(&self, c: &Condition) -> bool {
        let conv = self.conversation;
        match c {
            Condition::ParticipantWrote => conv.messages.iter().any(|m| !m.author.is_mod),
            Condition::ParticipantBanned => conv.participant.as_ref().is_some_and(|p| p.is_banned),
            Condition::BanIsTemporary => {
                conv.summary
                    .subject
                    .to_ascii_lowercase()
                    .contains("temporarily banned")
                    || conv
                        .participant
                        .as_ref()
                        .is_some_and(|p| p.is_banned && !p.ban_is_permanent)
            }
            Condition::HumanModeratorWrote => {
                human_moderator_wrote(conv, self.bot, self.automation, None)
            }
            Condition::BanReasonPresent => {
                self.mod_started()
                    && conv
                        .messages
                        .first()
                        .is_some_and(|m| has_quote(&m.body_markdown))
            }
            Condition::UserStarted => conv.messages.first().is_some_and(|m| !m.author.is_mod),
            Condition::SubjectMatches(r) => r.is_match(&conv.summary.subject),
            Condition::BanNoteStartsWith(prefix) => self.ban.is_some_and(|b| {
                b.note
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with(&prefix.to_ascii_lowercase())
            }),
            Condition::AuthorIsOneOf(names) => {
                let hit = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
                conv.messages.iter().any(|m| hit(&m.author.name))
                    || conv.mod_actions.iter().any(|a| hit(&a.author.name))
                    || conv.authors.iter().any(|a| hit(&a.name))
            }
        }
    }

    /// Evaluates a rule; on false, also returns the condition that made it false.
    fn check(&self, rule: &Rule) -> (bool, Option<String>) {
        match rule {
            Rule::Condition(c) => {
                let v = self.eval(c);
                (v, (!v).then(|| c.name()))
            }
            Rule::Not(inner) => match inner.as_ref() {
                Rule::Condition(c) => {
                    let v = !self.eval(c);
                    (v, (!v).then(|| format!("not {}", c.name())))
                }
                other => {
                    let (v, _) = self.check(other);
                    (!v, v.then(|| "not (…)".to_owned()))
                }
            },
            Rule::All(rules) => {
                for r in rules {
                    let (v, why) = self.check(r);
                    if !v {
                        return (false, why);
                    }
                }
                (true, None)
            }
            Rule::Any(rules) => {
                let mut reasons = Vec::new();
                for r in rules {
                    let (v, why) = self.check(r);
                    if v {
                        return (true, None);
                    }
                    reasons.extend(why);
                }
                (false, Some(format!("none of: {}", reasons.join(", "))))
            }
        }
    }
}

/// True when a moderator other than the bot and automation wrote in the conversation —
/// not counting the ban notice that opens a moderator-started conversation, and only
/// after `since` when given.
pub fn human_moderator_wrote(
    conv: &Conversation,
    bot: &str,
    automation: &[String],
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    let skip_first = conv.messages.first().is_some_and(|m| m.author.is_mod);
    conv.messages
        .iter()
        .skip(usize::from(skip_first))
        .filter(|m| since.is_none_or(|s| m.date > s))
        .any(|m| {
            m.author.is_mod
                && !m.author.name.eq_ignore_ascii_case(bot)
                && !automation
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&m.author.name))
        })
}

/// A markdown block quote with some text (`> reason`).
/// What the user was told: the text quoted in the ban notice that opens a conversation a
/// moderator started (`> reason` lines), or `None` when there is no such notice or quote.
/// This is not the ban list's note, which moderators write for themselves.
pub fn ban_message_reason(conv: &Conversation) -> Option<String> {
    let first = conv.messages.first().filter(|m| m.author.is_mod)?;
    let quoted: Vec<&str> = first
        .body_markdown
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('>'))
        .map(|l| l.trim_start_matches('>').trim())
        .collect();
    let reason = quoted.join("\n").trim().to_owned();
    (!reason.is_empty()).then_some(reason)
}

/// Where the ban notice of a user who opened a conversation of their own is: the newest of
/// their recent conversations with the subreddit (`user.recentConvos`) other than this one
/// whose subject is Reddit's notice of a permanent ban from this subreddit ("You've been
/// \[permanently\] banned from participating in r/{sub}"). `None` for a conversation a
/// moderator started (it carries its own notice), a user who is not permanently banned, or
/// when none is listed. Reddit's conversation ids are base 36 and grow with time, so the
/// newest is the longest, then the greatest; the listed dates cannot tell (a notice the
/// user never answered is dated `0001-01-01`).
pub fn ban_notice_elsewhere(conv: &Conversation) -> Option<&ConversationId> {
    let user_started = conv.messages.first().is_some_and(|m| !m.author.is_mod);
    let participant = conv
        .participant
        .as_ref()
        .filter(|p| p.is_banned && p.ban_is_permanent)?;
    if !user_started {
        return None;
    }
    let sub = conv.summary.subreddit.as_str();
    participant
        .recent_conversations
        .iter()
        .filter(|r| &r.id != conv.id() && is_permanent_ban_notice(&r.subject, sub))
        .map(|r| &r.id)
        .max_by(|a, b| (a.as_str().len(), a.as_str()).cmp(&(b.as_str().len(), b.as_str())))
}

/// Reddit's subject of the notice of a permanent ban from `sub` (older notices say only
/// "banned", newer ones "permanently banned"; a temporary ban's says "temporarily").
fn is_permanent_ban_notice(subject: &str, sub: &str) -> bool {
    let s = subject.trim().to_ascii_lowercase();
    let sub = sub.to_ascii_lowercase();
    !s.contains("temporarily")
        && (s.ends_with(&format!("banned from participating in r/{sub}"))
            || s.ends_with(&format!("banned from participating in /r/{sub}")))
}

fn has_quote(body: &str) -> bool {
    body.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with('>') && !t.trim_start_matches('>').trim().is_empty()
    })
}

impl Trigger {
    pub fn automation_accounts(&self) -> &[String] {
        &self.automation
    }

    pub fn evaluate(
        &self,
        conversation: &Conversation,
        ban: Option<&BanEntry>,
        bot: &str,
    ) -> TriggerOutcome {
        let facts = Facts {
            conversation,
            ban,
            bot,
            automation: &self.automation,
        };
        let (engage, why) = facts.check(&self.engage);
        if engage {
            return TriggerOutcome::Engage;
        }
        let why = why.unwrap_or_else(|| "rules not met".to_owned());
        if let Some(rule) = &self.note_missing_reason {
            match facts.check(rule) {
                (true, _) => return TriggerOutcome::NoteMissingReason,
                // Say why neither rule held when the reasons differ (e.g. no reason, and an
                // anti-brigade bot handled it).
                (false, Some(note_why)) if note_why != why => {
                    return TriggerOutcome::Skip(format!("{why}; {note_why}"));
                }
                _ => {}
            }
        }
        TriggerOutcome::Skip(why)
    }
}
