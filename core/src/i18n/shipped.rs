//! The texts that ship in every language: the bot's messages, the moderators' decision
//! messages and the default appeal form. Messages and decisions are *templates*: their
//! Fluent variables are filled with the `{username}`-style placeholders that the console
//! shows for editing and that are replaced when a message is sent.

use std::sync::LazyLock;

use super::{Arg, format, text};
use crate::decide::verdict::{DECISION_PLACEHOLDERS, DecisionTemplates};
use crate::domain::{FormQuestion, FormQuestions, Language, Messages, QuestionKind};

/// Each Fluent variable of a template message, filled with its placeholder.
fn template(lang: Language, id: &str, placeholders: &[&str]) -> String {
    let args: Vec<(&str, Arg<'_>)> = placeholders
        .iter()
        .map(|name| (*name, Arg::from(format!("{{{name}}}"))))
        .collect();
    format(lang, id, &args)
}

/// Every language's shipped texts, formatted once per process. A subreddit's settings are
/// resolved several times per conversation and per form request, each time with these
/// texts in its language: formatting the 25 Fluent messages again each time took about
/// 9 µs, a clone of the formatted ones takes a fraction of it.
struct Shipped {
    messages: Messages,
    decisions: DecisionTemplates,
    form: FormQuestions,
}

static SHIPPED: LazyLock<Vec<(Language, Shipped)>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|lang| {
            let texts = Shipped {
                messages: format_messages(lang),
                decisions: format_decisions(lang),
                form: format_form(lang),
            };
            (lang, texts)
        })
        .collect()
});

fn shipped(lang: Language) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|(l, _)| *l == lang).map(|(_, s)| s)
}

impl Messages {
    /// The bot's messages as shipped in `lang` (`Messages::default()` is English).
    pub fn shipped(lang: Language) -> Self {
        shipped(lang).map_or_else(|| format_messages(lang), |s| s.messages.clone())
    }
}

fn format_messages(lang: Language) -> Messages {
    let names = Messages::PLACEHOLDERS.map(|p| p.trim_matches(['{', '}']));
    let t = |id| template(lang, id, &names);
    Messages {
        initial: t("bot-initial"),
        reminder: t("bot-reminder"),
        final_: t("bot-final"),
    }
}

impl DecisionTemplates {
    /// The decision messages as shipped in `lang`, with the same denial names in every
    /// language (`!deny rules` works whatever the language).
    pub fn shipped(lang: Language) -> Self {
        shipped(lang).map_or_else(|| format_decisions(lang), |s| s.decisions.clone())
    }
}

fn format_decisions(lang: Language) -> DecisionTemplates {
    let t = |id| template(lang, id, &DECISION_PLACEHOLDERS);
    DecisionTemplates {
        grant: t("decision-grant"),
        deny: [
            ("default", "decision-deny-default"),
            ("rules", "decision-deny-rules"),
            ("too-soon", "decision-deny-too-soon"),
        ]
        .into_iter()
        .map(|(name, id)| (name.to_owned(), t(id)))
        .collect(),
        reduce: t("decision-reduce"),
    }
}

/// What `{reason}` says in a decision message when the ban message gave none.
fn reason_not_stated(lang: Language) -> String {
    text(lang, "decision-reason-not-stated")
}

/// The example comments of the default form, in `lang`.
fn example_comments(lang: Language) -> Vec<String> {
    (1..=5)
        .map(|i| text(lang, &format!("example-comment-{i}")))
        .collect()
}

impl FormQuestions {
    /// The default form (the original study's, see `FormQuestions::default`) in `lang`:
    /// the same question ids in every language, so answers compare across languages; the
    /// options are stored as the appellant read them.
    pub fn shipped(lang: Language) -> Self {
        shipped(lang).map_or_else(|| format_form(lang), |s| s.form.clone())
    }
}

fn format_form(lang: Language) -> FormQuestions {
    let t = |id: &str| text(lang, id);
    let question = |id: &str, key: &str, kind| FormQuestion {
        id: id.to_owned(),
        label: t(key),
        help: None,
        kind,
        required: true,
        show_ban_note: false,
    };
    let reasons = ["disagree", "not-fit", "regret", "mistake", "other"]
        .map(|o| t(&format!("question-appeal-reason-{o}")))
        .to_vec();
    let text_answer = || QuestionKind::Text { max_len: 2000 };
    FormQuestions(vec![
        FormQuestion {
            show_ban_note: true,
            ..question(
                "appeal_reason",
                "question-appeal-reason",
                QuestionKind::Choice {
                    options: reasons,
                    other_text: true,
                },
            )
        },
        question("rule", "question-rule", text_answer()),
        question(
            "actions_wrong",
            "question-actions-wrong",
            QuestionKind::YesNo,
        ),
        question("pledge", "question-pledge", QuestionKind::YesNo),
        question("steps", "question-steps", text_answer()),
        FormQuestion {
            help: Some(t("question-examples-help")),
            required: false,
            ..question(
                "examples",
                "question-examples",
                QuestionKind::MultiChoice {
                    options: example_comments(lang),
                },
            )
        },
    ])
}

impl DecisionTemplates {
    /// [`DecisionTemplates::render`], saying "not stated" in `lang` where the ban message
    /// gave no reason for `{reason}`.
    pub fn render_in(
        &self,
        verdict: crate::decide::verdict::Verdict,
        denial: Option<&str>,
        appeal: &crate::domain::Appeal,
        lang: Language,
    ) -> Result<String, crate::decide::verdict::Refusal> {
        self.render_saying(verdict, denial, appeal, &reason_not_stated(lang))
    }
}

impl DecisionTemplates {
    /// The set a subreddit addressed in `lang` decides with: its own (a plain denial added
    /// from the shipped ones if it has none), or the shipped set in `lang`.
    pub fn resolve_in(own: Option<&DecisionTemplates>, lang: Language) -> DecisionTemplates {
        let shipped = DecisionTemplates::shipped(lang);
        let Some(own) = own else {
            return shipped;
        };
        let mut own = own.clone();
        if own.denial(None).is_none()
            && let Some(plain) = shipped.deny.into_iter().find(|(n, _)| n == "default")
        {
            own.deny.insert(0, plain);
        }
        own
    }
}

/// The reasons of the default form's first question that the moderators' note names in
/// its own words ("regrets it"); "Other" is quoted as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippedReason {
    Disagree,
    NotFit,
    Regret,
    Mistake,
}

/// Which shipped reason `option` is, in any shipped language.
pub fn shipped_reason(option: &str) -> Option<ShippedReason> {
    let reasons = [
        ("disagree", ShippedReason::Disagree),
        ("not-fit", ShippedReason::NotFit),
        ("regret", ShippedReason::Regret),
        ("mistake", ShippedReason::Mistake),
    ];
    Language::ALL.into_iter().find_map(|lang| {
        reasons.into_iter().find_map(|(key, reason)| {
            (text(lang, &format!("question-appeal-reason-{key}")) == option).then_some(reason)
        })
    })
}
