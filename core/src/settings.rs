//! A subreddit's settings as one capability: what its moderators override in the console,
//! the defaults built from the configuration, the resolution to the settings in effect, the
//! rule that keeps a value at "the default" until a moderator chooses, and the diff the
//! audit log records. Storage only persists the overrides; the bot, the site and the tests
//! all resolve through [`Defaults::resolve`].
//!
//! Adding a setting: a field on [`SubredditSettings`] (and its column), its default on
//! [`Defaults`] (filled from the configuration in `shared`), its effective value on
//! [`Effective`], a line in [`SubredditSettings::changes_to`], and its form control.

use chrono::Duration;

use crate::decide::exclude::Exclusions;
use crate::decide::verdict::DecisionTemplates;
use crate::domain::{
    FormQuestions, Language, Messages, RedditUsername, SubredditName, SubredditState,
};
use crate::policy::MAX_REMINDERS;

/// A subreddit's stored settings; `None` means "use the configured default".
#[derive(Debug, Clone, PartialEq)]
pub struct SubredditSettings {
    pub name: SubredditName,
    pub state: SubredditState,
    pub treatment_fraction: Option<f64>,
    pub messages: Option<Messages>,
    pub form_questions: Option<FormQuestions>,
    /// The moderators' decision messages; `None`: the shipped ones
    /// ([`DecisionTemplates::resolve_in`]).
    pub decision_templates: Option<DecisionTemplates>,
    pub appeal_cooldown_days: Option<u32>,
    pub max_reminders: Option<u32>,
    pub link_ttl_days: Option<u32>,
    /// A ban whose reason or note contains this is not appealable through the form.
    pub unappealable_marker: Option<String>,
    /// Users never offered a form.
    pub blocklist: Vec<RedditUsername>,
    /// Leave a Reddit Mod Note on the user when an appeal completes.
    pub reddit_mod_notes: Option<bool>,
    /// The language appellants are addressed in (the bot's shipped messages, the form, the
    /// appellant's pages). Moderators' own texts stay as they wrote them.
    pub language: Option<Language>,
    /// The moderator who issued a ban may not decide its appeal.
    pub recusal: Option<bool>,
    /// A public, aggregate-only page of the experiment's result.
    pub public_debrief: Option<bool>,
}

impl SubredditSettings {
    /// An active subreddit with every setting at its default.
    pub fn new(name: SubredditName) -> Self {
        Self {
            name,
            state: SubredditState::Active,
            treatment_fraction: None,
            messages: None,
            form_questions: None,
            decision_templates: None,
            appeal_cooldown_days: None,
            max_reminders: None,
            link_ttl_days: None,
            unappealable_marker: None,
            blocklist: Vec::new(),
            reddit_mod_notes: None,
            language: None,
            recusal: None,
            public_debrief: None,
        }
    }
}

/// The values a subreddit that set nothing gets: built from the configuration (in
/// `shared`: `Config::settings_defaults`), never copied.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub messages: Messages,
    pub treatment_fraction: f64,
    pub cooldown_days: u32,
    pub max_reminders: u32,
    pub link_ttl_days: u32,
    /// `bot.reddit_mod_notes`: whether a subreddit that never chose gets Reddit Mod Notes.
    pub mod_notes: bool,
    /// `bot.fast_fill_secs`: a form filled faster than this is flagged (not overridable).
    pub fast_fill_secs: u32,
    /// Days after which the readout counts a still open appeal as it stands (not
    /// overridable).
    pub readout_window_days: u32,
    pub language: Language,
    pub recusal: bool,
    pub public_debrief: bool,
}

/// A subreddit's settings in effect: its own values over the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub treatment_fraction: f64,
    pub messages: Messages,
    /// Whether [`Effective::messages`] are the moderators' own (kept as written, in any
    /// language) rather than the configured default.
    pub own_messages: bool,
    pub questions: FormQuestions,
    /// Whether [`Effective::questions`] are the moderators' own.
    pub own_questions: bool,
    pub decision_templates: DecisionTemplates,
    pub cooldown: Duration,
    pub max_reminders: u32,
    pub link_ttl: Duration,
    pub exclusions: Exclusions,
    pub mod_notes: bool,
    pub language: Language,
    pub recusal: bool,
    pub public_debrief: bool,
}

impl Defaults {
    /// The settings in effect for a subreddit (`None`: one the store does not know, which
    /// gets every default). What the moderators wrote themselves stays as written; what
    /// ships (the messages, unless the operator configured their own, the default form and
    /// the decision messages) comes in the subreddit's language.
    pub fn resolve(&self, s: Option<&SubredditSettings>) -> Effective {
        let pick = |f: fn(&SubredditSettings) -> Option<u32>, d: u32| s.and_then(f).unwrap_or(d);
        let flag = |f: fn(&SubredditSettings) -> Option<bool>, d: bool| s.and_then(f).unwrap_or(d);
        let own_messages = s.and_then(|s| s.messages.as_ref());
        let own_questions = s.and_then(|s| s.form_questions.as_ref());
        let language = s.and_then(|s| s.language).unwrap_or(self.language);
        Effective {
            treatment_fraction: s
                .and_then(|s| s.treatment_fraction)
                .unwrap_or(self.treatment_fraction)
                .clamp(0.0, 1.0),
            messages: own_messages
                .cloned()
                .unwrap_or_else(|| self.messages_in(language)),
            own_messages: own_messages.is_some(),
            questions: own_questions
                .cloned()
                .unwrap_or_else(|| FormQuestions::shipped(language)),
            own_questions: own_questions.is_some(),
            decision_templates: DecisionTemplates::resolve_in(
                s.and_then(|s| s.decision_templates.as_ref()),
                language,
            ),
            cooldown: Duration::days(i64::from(pick(
                |s| s.appeal_cooldown_days,
                self.cooldown_days,
            ))),
            max_reminders: pick(|s| s.max_reminders, self.max_reminders),
            // A link lives at least a day, whatever was stored.
            link_ttl: Duration::days(i64::from(
                pick(|s| s.link_ttl_days, self.link_ttl_days).max(1),
            )),
            exclusions: Exclusions {
                unappealable_marker: s.and_then(|s| s.unappealable_marker.clone()),
                blocklist: s.map(|s| s.blocklist.clone()).unwrap_or_default(),
            },
            mod_notes: flag(|s| s.reddit_mod_notes, self.mod_notes),
            language,
            recusal: flag(|s| s.recusal, self.recusal),
            public_debrief: flag(|s| s.public_debrief, self.public_debrief),
        }
    }

    /// The messages of a subreddit that wrote none: the operator's (`bot.messages`) when
    /// they configured their own, else the shipped ones in `language`.
    pub fn messages_in(&self, language: Language) -> Messages {
        if self.messages == Messages::default() {
            Messages::shipped(language)
        } else {
            self.messages.clone()
        }
    }
}

/// The reminders a subreddit without its own number gets.
pub const DEFAULT_MAX_REMINDERS: u32 = MAX_REMINDERS as u32;

/// What a console stores for one setting: a value the subreddit never set that equals the
/// default stays unset (so a later change of the configured default reaches it); one it
/// has set stays set, even back to the default.
pub fn keep<T: PartialEq>(new: T, stored: Option<&T>, default: &T) -> Option<T> {
    (stored.is_some() || new != *default).then_some(new)
}

/// One field's change as the audit log records it; `None` is "the default" (or "none"
/// for a state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    pub fn state(from: SubredditState, to: SubredditState) -> Self {
        Self {
            field: "state".to_owned(),
            old: Some(from.as_str().to_owned()),
            new: Some(to.as_str().to_owned()),
        }
    }
}

/// The audit log's name of the treatment-fraction setting (the readout splits by its times).
pub const FRACTION_FIELD: &str = "treatment_fraction";
/// The audit log's name of the Reddit Mod Notes setting (values `on` / `off`).
pub const MOD_NOTES_FIELD: &str = "reddit_mod_notes";

type Row = (&'static str, Option<String>, Option<String>);

impl SubredditSettings {
    /// The settings a console edits, field by field, as the audit log shows them: what
    /// differs between `self` (before) and `new`. The state is changed on its own, not here.
    pub fn changes_to(&self, new: &Self) -> Vec<FieldChange> {
        self.value_changes(new)
            .into_iter()
            .chain(self.text_changes(new))
            .chain(self.decision_changes(new))
            .filter(|(_, old, new)| old != new)
            .map(|(field, old, new)| FieldChange {
                field: field.to_owned(),
                old,
                new,
            })
            .collect()
    }

    /// Numbers, switches, the language and the blocklist.
    fn value_changes(&self, new: &Self) -> [Row; 9] {
        let num = |v: Option<u32>| v.map(|n| n.to_string());
        let flag = |v: Option<bool>| v.map(|on| if on { "on" } else { "off" }.to_owned());
        let names = |v: &[RedditUsername]| {
            (!v.is_empty()).then(|| {
                v.iter()
                    .map(RedditUsername::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        let lang = |v: Option<Language>| v.map(|l| l.code().to_owned());
        let (a, b) = (self, new);
        [
            (
                FRACTION_FIELD,
                a.treatment_fraction.map(|f| f.to_string()),
                b.treatment_fraction.map(|f| f.to_string()),
            ),
            (
                "appeal_cooldown_days",
                num(a.appeal_cooldown_days),
                num(b.appeal_cooldown_days),
            ),
            ("max_reminders", num(a.max_reminders), num(b.max_reminders)),
            ("link_ttl_days", num(a.link_ttl_days), num(b.link_ttl_days)),
            ("blocklist", names(&a.blocklist), names(&b.blocklist)),
            (
                MOD_NOTES_FIELD,
                flag(a.reddit_mod_notes),
                flag(b.reddit_mod_notes),
            ),
            ("language", lang(a.language), lang(b.language)),
            ("recusal", flag(a.recusal), flag(b.recusal)),
            (
                "public_debrief",
                flag(a.public_debrief),
                flag(b.public_debrief),
            ),
        ]
    }

    /// The messages, the marker and the questions (as JSON).
    fn text_changes(&self, new: &Self) -> [Row; 5] {
        let json =
            |v: &Option<FormQuestions>| v.as_ref().and_then(|q| serde_json::to_string(q).ok());
        let msg = |v: &Option<Messages>, pick: fn(&Messages) -> &String| {
            v.as_ref().map(|m| pick(m).clone())
        };
        let (a, b) = (self, new);
        [
            (
                "message_initial",
                msg(&a.messages, |m| &m.initial),
                msg(&b.messages, |m| &m.initial),
            ),
            (
                "message_reminder",
                msg(&a.messages, |m| &m.reminder),
                msg(&b.messages, |m| &m.reminder),
            ),
            (
                "message_final",
                msg(&a.messages, |m| &m.final_),
                msg(&b.messages, |m| &m.final_),
            ),
            (
                "form_questions",
                json(&a.form_questions),
                json(&b.form_questions),
            ),
            (
                "unappealable_marker",
                a.unappealable_marker.clone(),
                b.unappealable_marker.clone(),
            ),
        ]
    }

    /// The decision messages: the grant and reduce texts, and the named denials as JSON
    /// (like the form questions).
    fn decision_changes(&self, new: &Self) -> [Row; 3] {
        type Pick = fn(&DecisionTemplates) -> Option<String>;
        let of = |s: &Self, pick: Pick| s.decision_templates.as_ref().and_then(pick);
        let grant: Pick = |t| Some(t.grant.clone());
        let reduce: Pick = |t| Some(t.reduce.clone());
        let deny: Pick = |t| serde_json::to_string(&t.deny).ok();
        [
            ("decision_grant", of(self, grant), of(new, grant)),
            ("decision_denials", of(self, deny), of(new, deny)),
            ("decision_reduce", of(self, reduce), of(new, reduce)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            messages: Messages::default(),
            treatment_fraction: 0.5,
            cooldown_days: 30,
            max_reminders: DEFAULT_MAX_REMINDERS,
            link_ttl_days: 30,
            mod_notes: false,
            fast_fill_secs: 30,
            readout_window_days: 44,
            language: Language::English,
            recusal: false,
            public_debrief: false,
        }
    }

    fn sub() -> SubredditSettings {
        SubredditSettings::new(SubredditName::parse("pics").expect("valid name"))
    }

    #[test]
    fn nothing_set_resolves_to_the_defaults() {
        let d = defaults();
        for s in [None, Some(&sub())] {
            let e = d.resolve(s);
            assert_eq!(e.treatment_fraction, 0.5);
            assert_eq!(e.messages, d.messages);
            assert!(!e.own_messages && !e.own_questions);
            assert_eq!(e.questions, FormQuestions::default());
            assert_eq!(e.cooldown, Duration::days(30));
            assert_eq!(e.max_reminders, DEFAULT_MAX_REMINDERS);
            assert_eq!(e.link_ttl, Duration::days(30));
            assert_eq!(e.language, Language::English);
            assert!(!e.mod_notes && !e.recusal && !e.public_debrief);
            assert_eq!(
                e.decision_templates,
                DecisionTemplates::resolve_in(None, Language::English)
            );
        }
    }

    #[test]
    fn each_override_wins_over_its_default() {
        let mut s = sub();
        s.treatment_fraction = Some(0.25);
        s.appeal_cooldown_days = Some(7);
        s.max_reminders = Some(0);
        s.link_ttl_days = Some(0);
        s.reddit_mod_notes = Some(true);
        s.language = Some(Language::German);
        s.recusal = Some(true);
        s.public_debrief = Some(true);
        s.unappealable_marker = Some("#final".into());
        let e = defaults().resolve(Some(&s));
        assert_eq!(e.treatment_fraction, 0.25);
        assert_eq!(e.cooldown, Duration::days(7));
        assert_eq!(e.max_reminders, 0);
        assert_eq!(e.link_ttl, Duration::days(1), "a link lives at least a day");
        assert!(e.mod_notes && e.recusal && e.public_debrief);
        assert_eq!(e.language, Language::German);
        assert_eq!(e.exclusions.unappealable_marker.as_deref(), Some("#final"));
        let mut d = defaults();
        d.mod_notes = true;
        s.reddit_mod_notes = Some(false);
        assert!(
            !d.resolve(Some(&s)).mod_notes,
            "a choice of off beats a default of on"
        );
    }

    #[test]
    fn what_ships_comes_in_the_subreddits_language_and_what_was_written_stays() {
        let mut s = sub();
        s.language = Some(Language::Spanish);
        let e = defaults().resolve(Some(&s));
        assert_eq!(e.messages, Messages::shipped(Language::Spanish));
        assert_eq!(e.questions, FormQuestions::shipped(Language::Spanish));
        assert_eq!(
            e.decision_templates,
            DecisionTemplates::shipped(Language::Spanish)
        );
        // The operator's own messages are theirs, in whatever language they wrote them.
        let mut d = defaults();
        d.messages.initial = "Operator's own: {link}".into();
        assert_eq!(d.resolve(Some(&s)).messages, d.messages);
        // The moderators' own texts stay as written; a set of decision messages without a
        // plain denial gets the shipped one, in the subreddit's language.
        let mut own = DecisionTemplates::shipped(Language::English);
        own.deny.retain(|(name, _)| name != "default");
        s.decision_templates = Some(own);
        s.messages = Some(Messages::default());
        let e = defaults().resolve(Some(&s));
        assert_eq!(e.messages, Messages::default());
        assert_eq!(
            e.decision_templates.grant,
            DecisionTemplates::default().grant
        );
        assert_eq!(
            e.decision_templates.denial(None),
            DecisionTemplates::shipped(Language::Spanish).denial(None)
        );
    }

    #[test]
    fn keep_leaves_an_untouched_default_unset_and_a_choice_set() {
        assert_eq!(keep(30, None, &30), None);
        assert_eq!(keep(7, None, &30), Some(7));
        assert_eq!(
            keep(30, Some(&7), &30),
            Some(30),
            "back to the default, still chosen"
        );
    }

    #[test]
    fn the_audit_diff_names_each_changed_field_once() {
        let a = sub();
        let mut b = a.clone();
        b.language = Some(Language::French);
        b.recusal = Some(true);
        b.max_reminders = Some(1);
        let changes = a.changes_to(&b);
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["max_reminders", "language", "recusal"]);
        assert_eq!(changes[1].new.as_deref(), Some("fr"));
        assert_eq!(changes[2].new.as_deref(), Some("on"));
        assert!(a.changes_to(&a).is_empty());
    }
}
