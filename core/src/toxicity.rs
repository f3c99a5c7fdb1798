//! Toxicity of what appellants write: each modmail message they send and each free-text
//! answer of the form, assessed the same way in both groups so the experiment can compare
//! them (the AppealMod paper's central outcome).
//!
//! The analyser is `rustrict` with only its `censor` feature: its word lists are compiled
//! in, and without `context` it neither reads the clock nor keeps per-user state, so the
//! assessment is a pure function of the text and belongs in the core.

use chrono::{DateTime, Utc};
use rustrict::{Censor, Type};
use serde::Serialize;

use crate::domain::{AnswerValue, Conversation, FormAnswers};

/// What kind of inappropriate language was found. Declared from least to most harmful, so
/// that among findings of equal severity the more harmful one is "highest".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Swearing.
    Profane,
    Sexual,
    /// Insults and hostility ("you mods are pathetic losers").
    Mean,
    /// Slurs, threats, hate.
    Offensive,
}

impl Category {
    pub const ALL: [Self; 4] = [Self::Profane, Self::Sexual, Self::Mean, Self::Offensive];

    /// The name in logs, pages and exports (storage keeps its own spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profane => "profane",
            Self::Sexual => "sexual",
            Self::Mean => "mean",
            Self::Offensive => "offensive",
        }
    }

    fn flag(self) -> Type {
        match self {
            Self::Profane => Type::PROFANE,
            Self::Sexual => Type::SEXUAL,
            Self::Mean => Type::MEAN,
            Self::Offensive => Type::OFFENSIVE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    pub const ALL: [Self; 3] = [Self::Mild, Self::Moderate, Self::Severe];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mild => "mild",
            Self::Moderate => "moderate",
            Self::Severe => "severe",
        }
    }

    fn flag(self) -> Type {
        match self {
            Self::Mild => Type::MILD,
            Self::Moderate => Type::MODERATE,
            Self::Severe => Type::SEVERE,
        }
    }
}

/// The lowest severity that makes a text toxic. Mild findings ("crap", "you are an idiot")
/// are kept as the highest finding but do not count: a frustrated appeal is not abuse.
pub const TOXIC_FROM: Severity = Severity::Moderate;

/// One category at one severity; ordered by severity first, then by harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub category: Category,
}

/// The assessment of one text, or of several combined with [`Toxicity::worst_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Toxicity {
    /// Some category reached [`TOXIC_FROM`].
    pub toxic: bool,
    /// The most severe finding, mild ones included; `None` = nothing found.
    pub highest: Option<Finding>,
}

impl Toxicity {
    pub const CLEAN: Self = Self {
        toxic: false,
        highest: None,
    };

    /// Toxic if either is; the higher of the two findings.
    pub fn worst_of(self, other: Self) -> Self {
        Self {
            toxic: self.toxic || other.toxic,
            highest: self.highest.max(other.highest),
        }
    }
}

/// Assesses one text. Evasive spellings ("f u c k", "sh1t") are normalised by the analyser
/// and reported under the category they spell; spam and SHOUTING are not toxicity.
pub fn assess(text: &str) -> Toxicity {
    let found = Censor::from_str(text).analyze();
    let highest = Category::ALL
        .into_iter()
        .flat_map(|category| {
            Severity::ALL
                .into_iter()
                .filter(move |s| found.is(category.flag() & s.flag()))
                .map(move |severity| Finding { severity, category })
        })
        .max();
    Toxicity {
        toxic: highest.is_some_and(|f| f.severity >= TOXIC_FROM),
        highest,
    }
}

/// Where an assessed text came from: the id names it without repeating it (logs and the
/// database keep ids and findings, never the appellant's words).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TextRef {
    /// A modmail message, by Reddit's message id.
    Message(String),
    /// A form answer, by its question id.
    Answer(String),
}

/// One assessed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessedText {
    pub source: TextRef,
    /// When it was written (a message's date; the form's submission time).
    pub written_at: DateTime<Utc>,
    pub toxicity: Toxicity,
}

/// Every message the appellant wrote in the conversation (not moderators', not internal
/// notes, not the bot's), each assessed.
pub fn assess_conversation(conv: &Conversation) -> Vec<AssessedText> {
    conv.messages
        .iter()
        .filter(|m| m.author.is_participant && !m.author.is_mod && !m.is_internal)
        .map(|m| AssessedText {
            source: TextRef::Message(m.id.clone()),
            written_at: m.date,
            toxicity: assess(&m.body_markdown),
        })
        .collect()
}

/// Every free-text answer of a form (text questions and the "other" text of a choice);
/// yes/no and ticked options are the form's words, not the appellant's.
pub fn assess_answers(form: &FormAnswers) -> Vec<AssessedText> {
    form.answers
        .iter()
        .filter_map(|a| {
            let text = match &a.value {
                AnswerValue::Text(t) => t.as_str(),
                AnswerValue::Choice { text: Some(t), .. } => t.as_str(),
                AnswerValue::Choice { text: None, .. }
                | AnswerValue::YesNo(_)
                | AnswerValue::MultiChoice(_) => return None,
            };
            (!text.trim().is_empty()).then(|| AssessedText {
                source: TextRef::Answer(a.question_id.clone()),
                written_at: form.submitted_at,
                toxicity: assess(text),
            })
        })
        .collect()
}

/// A submitted form with the findings of its free-text answers: what storage records in
/// the submission's transaction, so every stored form has its findings before the bot writes
/// the moderators' note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessedForm {
    pub answers: FormAnswers,
    pub findings: Vec<AssessedText>,
}

impl AssessedForm {
    /// The form with its answers assessed ([`assess_answers`]).
    pub fn of(answers: FormAnswers) -> Self {
        let findings = assess_answers(&answers);
        Self { answers, findings }
    }
}

/// The combined assessment of several texts.
pub fn combined<'a>(texts: impl IntoIterator<Item = &'a AssessedText>) -> Toxicity {
    texts
        .into_iter()
        .fold(Toxicity::CLEAN, |acc, t| acc.worst_of(t.toxicity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Answer, Author, ConversationId, ConversationState};
    use crate::domain::{ConversationSummary, Message, SubredditName};
    use chrono::TimeZone;

    fn finding(category: Category, severity: Severity) -> Option<Finding> {
        Some(Finding { severity, category })
    }

    #[test]
    fn polite_appeals_are_clean() {
        for text in [
            "I am sorry, I broke the rule and will not do it again.",
            "I regret what I did",
            "I was an assassin in a video game, that's what my post was about",
            "",
        ] {
            assert_eq!(assess(text), Toxicity::CLEAN, "{text:?}");
        }
    }

    #[test]
    fn insults_swearing_and_slurs_are_toxic_with_their_highest_finding() {
        let cases = [
            (
                "This ban is a joke. You mods are pathetic losers, unban me NOW.",
                finding(Category::Mean, Severity::Moderate),
            ),
            (
                "shit happens, sorry",
                finding(Category::Profane, Severity::Moderate),
            ),
            ("kill yourself", finding(Category::Mean, Severity::Severe)),
            // Evasive spacing is seen through.
            (
                "f u c k you mods",
                finding(Category::Mean, Severity::Severe),
            ),
            (
                "retard mods",
                finding(Category::Offensive, Severity::Moderate),
            ),
        ];
        for (text, highest) in cases {
            let t = assess(text);
            assert_eq!(
                t,
                Toxicity {
                    toxic: true,
                    highest
                },
                "{text:?}"
            );
        }
    }

    #[test]
    fn mild_findings_are_kept_but_not_toxic() {
        let t = assess("you are an idiot");
        assert!(!t.toxic);
        assert_eq!(t.highest, finding(Category::Mean, Severity::Mild));
        // Shouting is spam to the analyser, not toxicity.
        assert_eq!(
            assess("UNBAN ME NOW PLEASE I DID NOTHING WRONG"),
            Toxicity::CLEAN
        );
    }

    #[test]
    fn combining_keeps_the_worst() {
        let mild = assess("you are an idiot");
        let severe = assess("kill yourself");
        assert_eq!(mild.worst_of(severe), severe);
        assert_eq!(severe.worst_of(Toxicity::CLEAN), severe);
        assert_eq!(Toxicity::CLEAN.worst_of(mild), mild);
        // Same severity: the more harmful category is the highest.
        let a = Finding {
            severity: Severity::Moderate,
            category: Category::Profane,
        };
        let b = Finding {
            severity: Severity::Moderate,
            category: Category::Offensive,
        };
        assert_eq!(a.max(b), b);
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("time")
    }

    fn author(name: &str, participant: bool, is_mod: bool) -> Author {
        Author {
            name: name.to_owned(),
            is_mod,
            is_admin: false,
            is_participant: participant,
            is_deleted: false,
            is_hidden: false,
        }
    }

    fn message(id: &str, author: Author, body: &str, internal: bool) -> Message {
        Message {
            id: id.to_owned(),
            author,
            body_markdown: body.to_owned(),
            is_internal: internal,
            date: at(id.len() as i64),
        }
    }

    #[test]
    fn only_the_appellants_own_messages_are_assessed() {
        let user = author("someone", true, false);
        let moderator = author("a_mod", false, true);
        let conv = Conversation {
            summary: ConversationSummary {
                id: ConversationId::parse("abc1").expect("id"),
                subreddit: SubredditName::parse("sub").expect("sub"),
                subject: "You are banned".to_owned(),
                state: ConversationState::New,
                last_updated: at(0),
                last_user_update: None,
                last_mod_update: None,
                participant: None,
                num_messages: 4,
                is_auto: true,
                legacy_first_message_id: None,
            },
            authors: vec![],
            messages: vec![
                message(
                    "m1",
                    moderator.clone(),
                    "You are banned, shit poster.",
                    false,
                ),
                message("m22", user.clone(), "unban me you pathetic losers", false),
                message("m333", moderator, "what a retard", true),
                message("m4444", user, "sorry", false),
            ],
            mod_actions: vec![],
            participant: None,
        };
        let texts = assess_conversation(&conv);
        let sources: Vec<&TextRef> = texts.iter().map(|t| &t.source).collect();
        assert_eq!(
            sources,
            [
                &TextRef::Message("m22".to_owned()),
                &TextRef::Message("m4444".to_owned())
            ]
        );
        assert!(texts[0].toxicity.toxic);
        assert_eq!(texts[0].written_at, at(3));
        assert!(!texts[1].toxicity.toxic);
        assert!(combined(&texts).toxic);
    }

    #[test]
    fn only_free_text_answers_are_assessed() {
        let answer = |id: &str, value: AnswerValue| Answer {
            question_id: id.to_owned(),
            label: id.to_owned(),
            value,
        };
        let form = FormAnswers {
            answers: vec![
                answer("rule", AnswerValue::Text("no personal attacks".to_owned())),
                answer(
                    "appeal_reason",
                    AnswerValue::Choice {
                        option: "Other".to_owned(),
                        text: Some("your rules are shit".to_owned()),
                    },
                ),
                answer("pledge", AnswerValue::YesNo(true)),
                answer(
                    "examples",
                    AnswerValue::MultiChoice(vec!["This is the dumbest take".to_owned()]),
                ),
                answer("steps", AnswerValue::Text("  ".to_owned())),
            ],
            opened_at: None,
            submitted_at: at(60),
        };
        let texts = assess_answers(&form);
        assert_eq!(texts.len(), 2);
        assert_eq!(texts[0].source, TextRef::Answer("rule".to_owned()));
        assert!(!texts[0].toxicity.toxic);
        assert_eq!(texts[1].source, TextRef::Answer("appeal_reason".to_owned()));
        assert!(texts[1].toxicity.toxic);
        assert_eq!(texts[1].written_at, at(60));
    }
}
