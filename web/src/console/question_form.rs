//! The form questions of the settings page: how each shows, how the posted ones are read
//! back (in the order the page lists them, one moved up or down by its button), and how
//! they are checked into the questions the appeal form asks.

use appealmod_shared::domain::{FormQuestion, FormQuestions, QuestionKind};

use crate::form::FormData;

/// Most questions a form may have, and the limits of one.
pub const MAX_QUESTIONS: usize = 30;
const MAX_OPTIONS: usize = 20;
const MAX_LABEL: usize = 300;
const MAX_HELP: usize = 500;

/// One question as the form shows it.
#[derive(Debug, Clone, Default)]
pub struct QuestionView {
    /// Its number in the posted form (`q{index}_label`); the page lists questions in this
    /// order, which is the order the appeal form asks them.
    pub index: usize,
    pub id: String,
    pub label: String,
    pub help: String,
    /// `None` when the posted kind is none of the four.
    pub kind: Option<AnswerKind>,
    /// One option per line.
    pub options: String,
    pub other: bool,
    pub max_len: String,
    pub required: bool,
    pub ban_note: bool,
    /// Not stored yet: it gets its id from its text when saved.
    pub is_new: bool,
    /// The empty slot at the end for adding a question.
    pub slot: bool,
}

impl QuestionView {
    pub fn is_kind(&self, kind: &AnswerKind) -> bool {
        self.kind == Some(*kind)
    }
}

/// The kind of answer a question takes, as the form's select chooses it (the details —
/// options, length limit — are fields of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Text,
    Choice,
    YesNo,
    Multi,
}

impl AnswerKind {
    /// In the order the select lists them.
    pub const ALL: [AnswerKind; 4] = [Self::Text, Self::Choice, Self::YesNo, Self::Multi];

    /// The value the select posts.
    pub fn value(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Choice => "choice",
            Self::YesNo => "yes_no",
            Self::Multi => "multi",
        }
    }

    /// What the select shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "Free text",
            Self::Choice => "One of the options",
            Self::YesNo => "Yes or no",
            Self::Multi => "Any of the options",
        }
    }

    /// The posted value, read once; `None` for anything else.
    pub fn from_value(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.value() == value)
    }

    fn of(kind: &QuestionKind) -> Self {
        match kind {
            QuestionKind::Text { .. } => Self::Text,
            QuestionKind::Choice { .. } => Self::Choice,
            QuestionKind::YesNo => Self::YesNo,
            QuestionKind::MultiChoice { .. } => Self::Multi,
        }
    }
}

/// The stored questions as the form shows them, and the empty slot after them.
pub fn views_of(qs: &FormQuestions) -> Vec<QuestionView> {
    let mut views: Vec<QuestionView> =
        qs.0.iter()
            .enumerate()
            .map(|(i, q)| question_view(i, q))
            .collect();
    views.push(new_slot(views.len()));
    views
}

fn question_view(i: usize, q: &FormQuestion) -> QuestionView {
    let (options, other, max_len) = match &q.kind {
        QuestionKind::Text { max_len } => (String::new(), false, max_len.to_string()),
        QuestionKind::Choice {
            options,
            other_text,
        } => (options.join("\n"), *other_text, String::new()),
        QuestionKind::YesNo => (String::new(), false, String::new()),
        QuestionKind::MultiChoice { options } => (options.join("\n"), false, String::new()),
    };
    QuestionView {
        index: i,
        id: q.id.clone(),
        label: q.label.clone(),
        help: q.help.clone().unwrap_or_default(),
        kind: Some(AnswerKind::of(&q.kind)),
        options,
        other,
        max_len,
        required: q.required,
        ban_note: q.show_ban_note,
        is_new: false,
        slot: false,
    }
}

/// The empty slot for adding a question, numbered `i`.
pub fn new_slot(i: usize) -> QuestionView {
    QuestionView {
        index: i,
        kind: Some(AnswerKind::Text),
        max_len: "2000".to_owned(),
        required: true,
        is_new: true,
        slot: true,
        ..QuestionView::default()
    }
}

/// A question's "Move up" or "Move down" button (`move=up:3`): the question posted as
/// `q3_…` trades places with its neighbour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub index: usize,
    pub up: bool,
}

impl Move {
    /// The button pressed, if it was one of these (anything else is no move).
    pub fn of(form: &FormData) -> Option<Self> {
        let (way, index) = form.get("move")?.split_once(':')?;
        let index = index.parse().ok()?;
        match way {
            "up" => Some(Self { index, up: true }),
            "down" => Some(Self { index, up: false }),
            _ => None,
        }
    }

    /// Moves the question in `qs`; at either end it stays where it is.
    fn apply(self, qs: &mut [QuestionView]) {
        let Some(at) = qs.iter().position(|q| q.index == self.index) else {
            return;
        };
        let to = if self.up {
            at.checked_sub(1)
        } else {
            Some(at + 1).filter(|&t| t < qs.len())
        };
        if let Some(to) = to {
            qs.swap(at, to);
        }
    }
}

/// The posted questions in the page's order (removed ones left out, a moved one moved),
/// numbered again from 0 so that the page shown next posts them back in that order.
pub fn posted_questions(form: &FormData) -> Vec<QuestionView> {
    let count: usize = form
        .get("q_count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
        .min(MAX_QUESTIONS + 1);
    let mut qs: Vec<QuestionView> = (0..count)
        .filter(|i| form.get(&format!("q{i}_remove")).is_none())
        .map(|i| posted_question(form, i))
        // An untouched "add a question" slot is not a question.
        .filter(|q| !(q.is_new && q.label.is_empty() && q.options.trim().is_empty()))
        .collect();
    if let Some(m) = Move::of(form) {
        m.apply(&mut qs);
    }
    for (n, q) in qs.iter_mut().enumerate() {
        q.index = n;
    }
    qs
}

fn posted_question(form: &FormData, i: usize) -> QuestionView {
    let f = |k: &str| {
        form.get(&format!("q{i}_{k}"))
            .unwrap_or_default()
            .to_owned()
    };
    let on = |k: &str| form.get(&format!("q{i}_{k}")).is_some();
    QuestionView {
        index: i,
        id: f("id").trim().to_owned(),
        label: f("label").trim().to_owned(),
        help: f("help").trim().to_owned(),
        kind: AnswerKind::from_value(&f("kind")),
        options: f("options").replace("\r\n", "\n"),
        other: on("other"),
        max_len: f("max_len").trim().to_owned(),
        required: on("required"),
        ban_note: on("ban_note"),
        is_new: f("id").trim().is_empty(),
        slot: false,
    }
}

fn slug(label: &str, taken: &[String]) -> String {
    let base: String = label
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join("_");
    let base = if base.is_empty() {
        "question".to_owned()
    } else {
        base
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

/// The questions in the order given, each checked; problems go to `bad` by field anchor
/// (`q3_label`).
pub fn check_questions(
    qs: &[QuestionView],
    bad: &mut impl FnMut(&str, String),
) -> Option<FormQuestions> {
    if qs.is_empty() {
        bad(
            "q0_label",
            "The form needs at least one question.".to_owned(),
        );
        return None;
    }
    if qs.len() > MAX_QUESTIONS {
        bad(
            "q0_label",
            format!("A form has at most {MAX_QUESTIONS} questions."),
        );
        return None;
    }
    let mut taken: Vec<String> = qs
        .iter()
        .filter(|q| !q.is_new)
        .map(|q| q.id.clone())
        .collect();
    let mut out = Vec::new();
    let mut ok = true;
    for q in qs {
        match check_question(q, &mut taken) {
            Ok(fq) => out.push(fq),
            Err((field, message)) => {
                bad(&format!("q{}_{field}", q.index), message);
                ok = false;
            }
        }
    }
    ok.then_some(FormQuestions(out))
}

/// What is wrong with a question: the field (`label`, `options`, …) and the message.
type QuestionError = (&'static str, String);

fn check_question(
    q: &QuestionView,
    taken: &mut Vec<String>,
) -> Result<FormQuestion, QuestionError> {
    let n = q.index + 1;
    check_wording(q, n)?;
    let kind = check_kind(q, n)?;
    let id = question_id(q, taken);
    taken.push(id.clone());
    Ok(FormQuestion {
        id,
        label: q.label.clone(),
        help: (!q.help.is_empty()).then(|| q.help.clone()),
        kind,
        required: q.required,
        show_ban_note: q.ban_note,
    })
}

/// The question's text and help text (question `n` in the messages).
fn check_wording(q: &QuestionView, n: usize) -> Result<(), QuestionError> {
    if q.label.is_empty() || q.label.chars().count() > MAX_LABEL {
        return Err((
            "label",
            format!("Question {n} needs its text (at most {MAX_LABEL} characters)."),
        ));
    }
    if q.help.chars().count() > MAX_HELP {
        return Err((
            "help",
            format!("The help text of question {n} has at most {MAX_HELP} characters."),
        ));
    }
    Ok(())
}

/// The answer the question takes, with the details its kind needs.
fn check_kind(q: &QuestionView, n: usize) -> Result<QuestionKind, QuestionError> {
    let Some(kind) = q.kind else {
        return Err((
            "kind",
            format!("Choose what kind of answer question {n} takes."),
        ));
    };
    Ok(match kind {
        AnswerKind::Text => match q.max_len.parse::<usize>() {
            Ok(m) if (20..=10_000).contains(&m) => QuestionKind::Text { max_len: m },
            _ => {
                return Err((
                    "max_len",
                    format!("The length limit of question {n} is a number from 20 to 10000."),
                ));
            }
        },
        AnswerKind::Choice => QuestionKind::Choice {
            options: check_options(q, n, 2)?,
            other_text: q.other,
        },
        AnswerKind::YesNo => QuestionKind::YesNo,
        AnswerKind::Multi => QuestionKind::MultiChoice {
            options: check_options(q, n, 1)?,
        },
    })
}

/// The options, one per line (blank lines dropped): at least `min`.
fn check_options(q: &QuestionView, n: usize, min: usize) -> Result<Vec<String>, QuestionError> {
    let options: Vec<String> = q
        .options
        .lines()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    if options.len() < min
        || options.len() > MAX_OPTIONS
        || options.iter().any(|o| o.chars().count() > MAX_LABEL)
    {
        return Err((
            "options",
            format!(
                "Question {n} needs {min} to {MAX_OPTIONS} options, one per line, each at most {MAX_LABEL} characters."
            ),
        ));
    }
    Ok(options)
}

/// A stored question keeps its id; a new one (or one whose id was tampered with) gets one
/// from its text, unlike any in `taken`.
fn question_id(q: &QuestionView, taken: &[String]) -> String {
    if q.is_new || q.id.is_empty() || !q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        slug(&q.label, taken)
    } else {
        q.id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> FormData {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        FormData::parse(body.as_bytes())
    }

    fn labels(qs: &[QuestionView]) -> Vec<(usize, &str)> {
        qs.iter().map(|q| (q.index, q.label.as_str())).collect()
    }

    #[test]
    fn a_question_moves_one_place_and_the_rest_are_numbered_again() {
        let base = [
            ("q_count", "4"),
            ("q0_id", "a"),
            ("q0_label", "A"),
            ("q1_id", "b"),
            ("q1_label", "B"),
            ("q2_id", "c"),
            ("q2_label", "C"),
            ("q3_id", ""),
            ("q3_label", ""),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut p = base.to_vec();
            p.extend_from_slice(extra);
            posted_questions(&posted(&p))
        };
        assert_eq!(
            labels(&with(&[("move", "up:2")])),
            [(0, "A"), (1, "C"), (2, "B")]
        );
        assert_eq!(
            labels(&with(&[("move", "down:0")])),
            [(0, "B"), (1, "A"), (2, "C")]
        );
        // At the ends nothing moves; a forged button is no move.
        for m in ["up:0", "down:2", "down:3", "sideways:1", "up:x", "up:99"] {
            let p = base
                .iter()
                .copied()
                .chain([("move", m)])
                .collect::<Vec<_>>();
            assert_eq!(
                labels(&posted_questions(&posted(&p))),
                [(0, "A"), (1, "B"), (2, "C")],
                "{m}"
            );
        }
        // A removed question leaves no gap: the one after it moves past its old place.
        assert_eq!(
            labels(&with(&[("q1_remove", "on"), ("move", "up:2")])),
            [(0, "C"), (1, "A")]
        );
    }

    #[test]
    fn questions_are_stored_in_the_page_order() {
        let qs = posted_questions(&posted(&[
            ("q_count", "2"),
            ("q0_id", "first"),
            ("q0_label", "First?"),
            ("q0_kind", "yes_no"),
            ("q1_label", "Added?"),
            ("q1_kind", "yes_no"),
            ("move", "up:1"),
        ]));
        let checked = check_questions(&qs, &mut |a, m| panic!("{a}: {m}")).expect("valid");
        let ids: Vec<&str> = checked.0.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["added", "first"]);
    }
}
