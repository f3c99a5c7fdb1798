//! The appeal form's questions: what the page shows, and the answers checked against them.
//!
//! Every answer is checked on the server: required answers present, lengths within the
//! question's limit, and only options the question offers (a forged option is refused, not
//! stored). What the form says around the questions (limits, "Yes", the messages beside a
//! wrong answer) is in the page's language; the questions are the subreddit's, as written.

use appealmod_core::i18n;
use appealmod_shared::domain::{
    Answer, AnswerValue, FormQuestion, FormQuestions, Language, QuestionKind,
};

use crate::form::FormData;

/// Limit for the free text of an "Other" choice.
pub const OTHER_MAX: usize = 2000;

#[derive(Debug, Clone)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub dom_id: String,
    pub checked: bool,
    /// The option whose explanation box shows once it is chosen.
    pub other: bool,
}

/// One question as rendered, with what was typed and its error.
#[derive(Debug, Clone)]
pub struct QuestionView {
    /// Form field name.
    pub field: String,
    /// HTML id base (question ids are free text; ids must be simple and unique).
    pub dom: String,
    /// Where the error summary links to.
    pub first_input: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    /// `text`, `choice`, `yesno` or `multi`.
    pub kind: &'static str,
    pub max_len: usize,
    /// `max_len` as the label states it ("2,000").
    pub limit: String,
    /// The sentence with it ("Up to 2,000 characters.").
    pub limit_text: String,
    pub value: String,
    pub options: Vec<OptionView>,
    pub other_text: bool,
    pub other_label: String,
    pub other_value: String,
    /// What is wrong with the question's answer, shown beside the question.
    pub error: Option<String>,
    /// What is wrong with the "Other" explanation, shown beside its box (which shows only
    /// while "Other" is chosen, so this is set only then).
    pub other_error: Option<String>,
    pub show_ban_note: bool,
}

impl QuestionView {
    /// The message the error summary lists for this question, if any.
    pub fn problem(&self) -> Option<&str> {
        self.error.as_deref().or(self.other_error.as_deref())
    }

    /// The ids a text field's `aria-describedby` names: its error, then its help.
    pub fn described_by(&self) -> Option<String> {
        let error = self.error.as_ref().map(|_| format!("{}-error", self.dom));
        let hint = self.help.as_ref().map(|_| format!("{}-hint", self.dom));
        match (error, hint) {
            (Some(e), Some(h)) => Some(format!("{e} {h}")),
            (e, h) => e.or(h),
        }
    }
}

/// The empty form.
pub fn blank(qs: &FormQuestions, lang: Language) -> Vec<QuestionView> {
    let empty = FormData::default();
    let mut views: Vec<QuestionView> =
        qs.0.iter()
            .enumerate()
            .map(|(i, q)| check(i, q, &empty, lang).0)
            .collect();
    for v in &mut views {
        v.error = None;
        v.other_error = None;
    }
    place_ban_note(qs, &mut views);
    views
}

/// The answers, or the form again with what was typed and a message at each wrong answer.
pub fn evaluate(
    qs: &FormQuestions,
    form: &FormData,
    lang: Language,
) -> Result<Vec<Answer>, Vec<QuestionView>> {
    let (views, answers) = check_all(qs, form, lang);
    answers.ok_or(views)
}

/// The form again with what was typed (and a message at each wrong answer, if any): for a
/// post that could not be stored, so that nothing typed is lost.
pub fn refill(qs: &FormQuestions, form: &FormData, lang: Language) -> Vec<QuestionView> {
    check_all(qs, form, lang).0
}

/// Every question as rendered with what was sent, and the answers when all are right.
fn check_all(
    qs: &FormQuestions,
    form: &FormData,
    lang: Language,
) -> (Vec<QuestionView>, Option<Vec<Answer>>) {
    let mut views = Vec::with_capacity(qs.0.len());
    let mut answers = Vec::with_capacity(qs.0.len());
    let mut ok = true;
    for (i, q) in qs.0.iter().enumerate() {
        let (view, answer) = check(i, q, form, lang);
        match answer {
            Ok(Some(a)) => answers.push(a),
            Ok(None) => {}
            Err(()) => ok = false,
        }
        views.push(view);
    }
    place_ban_note(qs, &mut views);
    (views, ok.then_some(answers))
}

/// The reason from the ban message goes above the question flagged `show_ban_note` (the
/// stored name predates the change from the private ban note to that reason), or first.
fn place_ban_note(qs: &FormQuestions, views: &mut [QuestionView]) {
    if !qs.0.iter().any(|q| q.show_ban_note)
        && let Some(first) = views.first_mut()
    {
        first.show_ban_note = true;
    }
}

/// Browsers send textarea line breaks as CRLF but count them as one character for
/// `maxlength`; count them the same way here.
fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_owned()
}

fn too_long(len: usize, max: usize, lang: Language) -> String {
    i18n::format(
        lang,
        "form-error-too-long",
        &[
            ("max", i18n::count(lang, max).into()),
            ("length", i18n::count(lang, len).into()),
        ],
    )
}

/// A question's limit, as its label says it.
fn set_limit(view: &mut QuestionView, max: usize, lang: Language) {
    view.max_len = max;
    view.limit = i18n::count(lang, max);
    view.limit_text = i18n::format(lang, "form-limit", &[("limit", view.limit.clone().into())]);
}

/// Where an answer is wrong: the question itself, or the explanation of its "Other".
#[derive(Debug)]
enum Wrong {
    Question(String),
    OtherBox(String),
}

impl Wrong {
    /// The message `id` beside the question, in `lang`.
    fn question(lang: Language, id: &str) -> Self {
        Self::Question(i18n::text(lang, id))
    }
}

fn check(
    i: usize,
    q: &FormQuestion,
    form: &FormData,
    lang: Language,
) -> (QuestionView, Result<Option<Answer>, ()>) {
    let mut view = empty_view(i, q, lang);
    let answer = |value| {
        Some(Answer {
            question_id: q.id.clone(),
            label: q.label.clone(),
            value,
        })
    };
    let result = match &q.kind {
        QuestionKind::Text { max_len } => check_text(&mut view, q, *max_len, form, lang),
        QuestionKind::Choice {
            options,
            other_text,
        } => check_choice(&mut view, q, (options, *other_text), form, lang),
        QuestionKind::YesNo => check_yes_no(&mut view, q, form, lang),
        QuestionKind::MultiChoice { options } => check_multi(&mut view, q, options, form, lang),
    }
    .map(|value| value.and_then(answer));
    match result {
        Ok(a) => (view, Ok(a)),
        Err(Wrong::Question(msg)) => {
            view.error = Some(msg);
            (view, Err(()))
        }
        Err(Wrong::OtherBox(msg)) => {
            view.first_input = format!("{}_other", view.dom);
            view.other_error = Some(msg);
            (view, Err(()))
        }
    }
}

/// What a question looks like before its answer is read (a text field by default).
fn empty_view(i: usize, q: &FormQuestion, lang: Language) -> QuestionView {
    let dom = format!("q{i}");
    let mut view = QuestionView {
        first_input: dom.clone(),
        dom,
        label: q.label.clone(),
        help: q.help.clone(),
        required: q.required,
        kind: "text",
        max_len: OTHER_MAX,
        limit: String::new(),
        limit_text: String::new(),
        value: String::new(),
        options: Vec::new(),
        other_text: false,
        other_label: String::new(),
        other_value: String::new(),
        error: None,
        other_error: None,
        show_ban_note: q.show_ban_note,
        field: format!("q_{}", q.id),
    };
    set_limit(&mut view, OTHER_MAX, lang);
    view
}

/// One answer read from the form: `Ok(None)` for an optional question left blank, `Err`
/// with the message shown beside the question (or beside its "Other" box).
type Checked = Result<Option<AnswerValue>, Wrong>;

/// The options as the page shows them, `chosen` ticked.
fn set_options(view: &mut QuestionView, options: &[String], chosen: &[&str]) {
    let labelled: Vec<(String, String)> = options.iter().map(|o| (o.clone(), o.clone())).collect();
    set_labelled_options(view, &labelled, chosen);
}

fn set_labelled_options(view: &mut QuestionView, options: &[(String, String)], chosen: &[&str]) {
    view.options = options
        .iter()
        .enumerate()
        .map(|(j, (value, label))| OptionView {
            value: value.clone(),
            label: label.clone(),
            dom_id: format!("{}-{j}", view.dom),
            checked: chosen.contains(&value.as_str()),
            other: false,
        })
        .collect();
    view.first_input = format!("{}-0", view.dom);
}

fn check_text(
    view: &mut QuestionView,
    q: &FormQuestion,
    max_len: usize,
    form: &FormData,
    lang: Language,
) -> Checked {
    let raw = form.get(&view.field).unwrap_or_default();
    view.value = raw.replace("\r\n", "\n");
    set_limit(view, max_len, lang);
    let v = normalise(raw);
    let len = v.chars().count();
    if v.is_empty() && q.required {
        Err(Wrong::question(lang, "form-error-answer"))
    } else if len > max_len {
        Err(Wrong::Question(too_long(len, max_len, lang)))
    } else {
        Ok(Some(AnswerValue::Text(v)))
    }
}

fn check_choice(
    view: &mut QuestionView,
    q: &FormQuestion,
    (options, other_text): (&[String], bool),
    form: &FormData,
    lang: Language,
) -> Checked {
    view.kind = "choice";
    let chosen = form.get(&view.field).unwrap_or_default();
    set_options(view, options, &[chosen]);
    let other_option = options.last().filter(|_| other_text);
    if let Some(o) = other_option {
        view.other_text = true;
        view.other_label = o.clone();
        if let Some(last) = view.options.last_mut() {
            last.other = true;
        }
        let raw = form
            .get(&format!("{}_other", view.field))
            .unwrap_or_default();
        view.other_value = raw.replace("\r\n", "\n");
    }
    if chosen.is_empty() {
        return if q.required {
            Err(Wrong::question(lang, "form-error-choose-one"))
        } else {
            Ok(None)
        };
    }
    if !options.iter().any(|o| o == chosen) {
        return Err(Wrong::question(lang, "form-error-choose-shown"));
    }
    if other_option.is_none_or(|o| o != chosen) {
        return Ok(Some(AnswerValue::Choice {
            option: chosen.to_owned(),
            text: None,
        }));
    }
    let text = normalise(&view.other_value);
    let len = text.chars().count();
    if text.is_empty() {
        Err(Wrong::OtherBox(i18n::format(
            lang,
            "form-error-explain-other",
            &[("option", chosen.into())],
        )))
    } else if len > OTHER_MAX {
        Err(Wrong::OtherBox(too_long(len, OTHER_MAX, lang)))
    } else {
        Ok(Some(AnswerValue::Choice {
            option: chosen.to_owned(),
            text: Some(text),
        }))
    }
}

fn check_yes_no(
    view: &mut QuestionView,
    q: &FormQuestion,
    form: &FormData,
    lang: Language,
) -> Checked {
    view.kind = "yesno";
    let chosen = form.get(&view.field).unwrap_or_default();
    let options =
        [("yes", "form-yes"), ("no", "form-no")].map(|(v, l)| (v.to_owned(), i18n::text(lang, l)));
    set_labelled_options(view, &options, &[chosen]);
    match chosen {
        "yes" => Ok(Some(AnswerValue::YesNo(true))),
        "no" => Ok(Some(AnswerValue::YesNo(false))),
        "" if !q.required => Ok(None),
        _ => Err(Wrong::question(lang, "form-error-yes-no")),
    }
}

fn check_multi(
    view: &mut QuestionView,
    q: &FormQuestion,
    options: &[String],
    form: &FormData,
    lang: Language,
) -> Checked {
    view.kind = "multi";
    let field = view.field.clone();
    let chosen: Vec<&str> = form.all(&field).collect();
    set_options(view, options, &chosen);
    if chosen.iter().any(|c| !options.iter().any(|o| o == c)) {
        Err(Wrong::question(lang, "form-error-only-shown"))
    } else if chosen.is_empty() && q.required {
        Err(Wrong::question(lang, "form-error-at-least-one"))
    } else {
        // Stored in the question's order, each once, whatever order the browser sent.
        let picked = options
            .iter()
            .filter(|o| chosen.contains(&o.as_str()))
            .cloned()
            .collect();
        Ok(Some(AnswerValue::MultiChoice(picked)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::English;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        FormData::parse(body.as_bytes())
    }

    fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            ("q_appeal_reason", "I regret what I did"),
            ("q_rule", "Be civil."),
            ("q_actions_wrong", "yes"),
            ("q_pledge", "yes"),
            ("q_steps", "Step away."),
            ("q_examples", "Can a mod explain why my post was removed?"),
        ]
    }

    #[test]
    fn complete_default_form_is_accepted() {
        let answers = evaluate(&FormQuestions::default(), &form(&complete()), EN).expect("valid");
        assert_eq!(answers.len(), 6);
        assert_eq!(answers[2].value, AnswerValue::YesNo(true));
    }

    #[test]
    fn the_default_questions_do_not_repeat_the_ban_message() {
        let qs = FormQuestions::default();
        let ids: Vec<&str> = qs.0.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "appeal_reason",
                "rule",
                "actions_wrong",
                "pledge",
                "steps",
                "examples"
            ]
        );
        let views = blank(&qs, EN);
        assert!(
            views[0].show_ban_note,
            "the ban message's reason comes first"
        );
        assert_eq!(views[1].limit, "2,000");
        assert_eq!(views[1].limit_text, "Up to 2,000 characters.");
    }

    #[test]
    fn missing_unknown_and_too_long_are_refused_and_values_kept() {
        let mut f = complete();
        f[0] = ("q_appeal_reason", "I am innocent (forged option)");
        f[2] = ("q_actions_wrong", "maybe");
        let long = "x".repeat(2001);
        f[4] = ("q_steps", long.as_str());
        f.push(("q_examples", "Not an option"));
        let views = evaluate(&FormQuestions::default(), &form(&f), EN).expect_err("invalid");
        let errors: Vec<_> = views.iter().map(|v| v.error.is_some()).collect();
        assert_eq!(errors, vec![true, false, true, false, true, true]);
        assert_eq!(
            views[4].error.as_deref(),
            Some("Please shorten your answer to at most 2,000 characters (it has 2,001).")
        );
        assert_eq!(views[1].value, "Be civil.", "typed values kept");
        assert!(views[5].options[3].checked, "valid checkbox stays checked");
        assert!(views[0].show_ban_note);
    }

    #[test]
    fn other_needs_text_beside_its_box_and_crlf_counts_once() {
        let mut f = complete();
        f[0] = ("q_appeal_reason", "Other");
        let views = evaluate(&FormQuestions::default(), &form(&f), EN).expect_err("needs text");
        assert!(views[0].error.is_none(), "the question itself is answered");
        assert!(
            views[0].other_error.is_some(),
            "the box says what is missing"
        );
        assert_eq!(
            views[0].first_input, "q0_other",
            "the summary leads to the box"
        );
        assert!(views[0].options[4].other && views[0].options[4].checked);
        f.push(("q_appeal_reason_other", "It was a joke between friends."));
        let answers = evaluate(&FormQuestions::default(), &form(&f), EN).expect("valid");
        assert_eq!(
            answers[0].value,
            AnswerValue::Choice {
                option: "Other".into(),
                text: Some("It was a joke between friends.".into())
            }
        );
        let mut f = complete();
        let text = "ab\r\n".repeat(666) + "ab"; // 2000 characters once CRLF counts as one
        f[1] = ("q_rule", text.as_str());
        assert!(evaluate(&FormQuestions::default(), &form(&f), EN).is_ok());
    }

    #[test]
    fn the_other_box_is_never_in_error_when_other_is_not_chosen() {
        // Nothing chosen, and something typed in the box: the question is in error, the
        // box (hidden until "Other" is chosen) is not.
        let f = [("q_appeal_reason_other", "typed first")];
        let views = evaluate(&FormQuestions::default(), &form(&f), EN).expect_err("invalid");
        assert!(views[0].error.is_some());
        assert!(views[0].other_error.is_none());
        assert_eq!(
            views[0].other_value, "typed first",
            "kept for when Other is chosen"
        );
        assert_eq!(views[0].first_input, "q0-0");
    }

    #[test]
    fn optional_multichoice_may_be_empty() {
        let f: Vec<_> = complete()
            .into_iter()
            .filter(|(k, _)| *k != "q_examples")
            .collect();
        let answers = evaluate(&FormQuestions::default(), &form(&f), EN).expect("valid");
        assert_eq!(answers[5].value, AnswerValue::MultiChoice(vec![]));
    }
}
