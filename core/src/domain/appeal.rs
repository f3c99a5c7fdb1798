//! Appellants, appeals, the appeal form and per-subreddit settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Experiment arm, drawn once per (user, subreddit) at first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The bot engages: form link, reminder, final message, mod note.
    Treatment,
    /// Recorded only; the bot never writes to these conversations.
    Control,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Treatment => "treatment",
            Self::Control => "control",
        }
    }
}

/// The messages the bot sends, per subreddit. `{link}`, `{subreddit}` and `{username}` are
/// replaced when sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Messages {
    pub initial: String,
    pub reminder: String,
    #[serde(rename = "final")]
    pub final_: String,
}

impl Default for Messages {
    /// Good enough to ship: each says it is automated and on whose behalf, what happens
    /// next without promising an answer, and until when the personal link works.
    fn default() -> Self {
        Self {
            initial: "Hi u/{username}. This is an automated message on behalf of the moderators \
                      of r/{subreddit}.\n\n\
                      To appeal your ban, please fill in this short form (it takes 2–3 minutes): \
                      {link}\n\n\
                      The link is personal, so please don't share it; it works until {expires}. \
                      The moderators see your appeal once the form is submitted, and they decide \
                      whether and when to answer."
                .to_owned(),
            reminder: "Hi u/{username}. This is an automated reminder on behalf of the moderators \
                       of r/{subreddit}: your appeal is not complete yet, so the moderators have \
                       not seen it.\n\n\
                       Please fill in the form (2–3 minutes): {link}\n\n\
                       The link works until {expires}."
                .to_owned(),
            final_: "Thank you, u/{username}. This is an automated message on behalf of the \
                     moderators of r/{subreddit}: your appeal has been received and passed on to \
                     them.\n\n\
                     The moderators review appeals as they can; if they answer, it will be in this \
                     conversation. You can see where your appeal stands here: {link}"
                .to_owned(),
        }
    }
}

/// What the placeholders of a message stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholders<'a> {
    pub username: &'a str,
    pub subreddit: &'a str,
    /// The personal link (form, or the appeal's status once submitted).
    pub link: &'a str,
    /// Until when the link works, as the appellant reads it ("5 January 2027").
    pub expires: &'a str,
}

impl Messages {
    /// Every placeholder a message may use.
    pub const PLACEHOLDERS: [&'static str; 4] =
        ["{username}", "{subreddit}", "{link}", "{expires}"];

    /// Fills the placeholders. Values are inserted as given: callers pass names that are
    /// already validated newtypes and a link the bot built itself.
    pub fn render(template: &str, p: &Placeholders<'_>) -> String {
        template
            .replace("{username}", p.username)
            .replace("{subreddit}", p.subreddit)
            .replace("{link}", p.link)
            .replace("{expires}", p.expires)
    }
}

/// How one form question is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuestionKind {
    /// Free text (one field).
    Text { max_len: usize },
    /// Exactly one of `options`; the last option may ask for text (`other_text`).
    Choice {
        options: Vec<String>,
        #[serde(default)]
        other_text: bool,
    },
    /// Yes or no.
    YesNo,
    /// Any number of `options` (e.g. which example comments should be allowed).
    MultiChoice { options: Vec<String> },
}

// No `deny_unknown_fields` here: serde does not support it together with `flatten`;
// `QuestionKind` refuses unknown keys instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormQuestion {
    /// Stable identifier used as the form field name and in stored answers.
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(flatten)]
    pub kind: QuestionKind,
    #[serde(default = "yes")]
    pub required: bool,
    /// Show the moderators' ban note above this question.
    #[serde(default)]
    pub show_ban_note: bool,
}

fn yes() -> bool {
    true
}

/// The questions of a subreddit's appeal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormQuestions(pub Vec<FormQuestion>);

impl Default for FormQuestions {
    /// The original study's form, without its overlaps: the reason quoted from the ban
    /// message stands above the first question, so the form does not ask "why were you
    /// banned?" again, and the rule in the appellant's own words covers "what did you do?".
    /// What the research compares stays: why they appeal, the rule in their words, whether
    /// they were wrong, the pledge, their steps and the example comments.
    fn default() -> Self {
        let text = |id: &str, label: &str| FormQuestion {
            id: id.to_owned(),
            label: label.to_owned(),
            help: None,
            kind: QuestionKind::Text { max_len: 2000 },
            required: true,
            show_ban_note: false,
        };
        let yes_no = |id: &str, label: &str| FormQuestion {
            id: id.to_owned(),
            label: label.to_owned(),
            help: None,
            kind: QuestionKind::YesNo,
            required: true,
            show_ban_note: false,
        };
        Self(vec![
            FormQuestion {
                id: "appeal_reason".to_owned(),
                label: "Why are you appealing?".to_owned(),
                help: None,
                kind: QuestionKind::Choice {
                    options: vec![
                        "I disagree with the rule".to_owned(),
                        "The rule does not fit what I did".to_owned(),
                        "I regret what I did".to_owned(),
                        "I was banned by mistake".to_owned(),
                        "Other".to_owned(),
                    ],
                    other_text: true,
                },
                required: true,
                show_ban_note: true,
            },
            text(
                "rule",
                "Which rule is your ban about? Say it in your own words.",
            ),
            yes_no("actions_wrong", "Were your actions wrong?"),
            yes_no("pledge", "Do you pledge not to repeat them?"),
            text(
                "steps",
                "What will you do so that it does not happen again?",
            ),
            FormQuestion {
                id: "examples".to_owned(),
                label: "Which of these comments should be allowed here?".to_owned(),
                help: Some("Tick every one that should be.".to_owned()),
                kind: QuestionKind::MultiChoice {
                    options: default_example_comments(),
                },
                required: false,
                show_ban_note: false,
            },
        ])
    }
}

/// The five example comments of the original form; subreddits may replace them.
pub fn default_example_comments() -> Vec<String> {
    vec![
        "I think you're wrong, and here is a source that says otherwise.".to_owned(),
        "This is the dumbest take I have read all week.".to_owned(),
        "People like you shouldn't be allowed to post here.".to_owned(),
        "Can a mod explain why my post was removed?".to_owned(),
        "Nobody asked for your opinion, go away.".to_owned(),
    ]
}

/// One answer as stored and shown to moderators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question_id: String,
    /// The question as the appellant saw it (questions can change later).
    pub label: String,
    pub value: AnswerValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Text(String),
    Choice {
        option: String,
        text: Option<String>,
    },
    YesNo(bool),
    MultiChoice(Vec<String>),
}

/// A submitted appeal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAnswers {
    pub answers: Vec<Answer>,
    /// When the appellant first opened the form (for "how long the form took").
    pub opened_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
}
