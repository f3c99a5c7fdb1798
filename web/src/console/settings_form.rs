//! The settings form of a subreddit's console: what it shows, and turning what was posted
//! into settings, every field checked, every problem named for the error summary.

use appealmod_core::decide::verdict::DecisionTemplates;
use appealmod_core::settings::keep;
use appealmod_shared::domain::{
    FormQuestion, FormQuestions, Messages, QuestionKind, RedditUsername,
};
use appealmod_shared::storage::SubredditSettings;

use super::decision_form::{self, DecisionsView};
use crate::form::FormData;

/// The defaults come from the configuration through core's settings capability; the
/// console never keeps its own copy.
pub use appealmod_core::settings::{DEFAULT_MAX_REMINDERS, Defaults};

/// Most questions a form may have, and the limits of one.
pub const MAX_QUESTIONS: usize = 30;
const MAX_OPTIONS: usize = 20;
const MAX_LABEL: usize = 300;
const MAX_HELP: usize = 500;
/// Reddit's modmail limit is 10,000 characters; the bot adds a link and a marker.
pub const MAX_MESSAGE: usize = 9_000;
const PLACEHOLDERS: &[&str] = &["username", "subreddit", "link", "expires"];

/// One question as the form shows it.
#[derive(Debug, Clone, Default)]
pub struct QuestionView {
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
    pub position: String,
    /// The empty slot for adding a question.
    pub is_new: bool,
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

/// Every field as the form shows it (stored values, or what was just posted).
#[derive(Debug, Clone, Default)]
pub struct SettingsView {
    pub initial: String,
    pub reminder: String,
    pub final_: String,
    pub treatment_percent: String,
    pub confirm_fraction: bool,
    pub cooldown_days: String,
    pub max_reminders: String,
    pub link_ttl_days: String,
    pub marker: String,
    pub blocklist: String,
    /// Leave a Reddit Mod Note on the user when an appeal completes (the checkbox).
    pub mod_notes: bool,
    pub questions: Vec<QuestionView>,
    /// The decision messages (grant, named denials, reduce).
    pub decisions: DecisionsView,
}

/// One problem, linked from the error summary to its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub anchor: String,
    pub message: String,
}

impl SettingsView {
    /// The error of the field `anchor`, if any (for the template).
    pub fn error_of<'a>(&self, errors: &'a [FieldError], anchor: &str) -> Option<&'a str> {
        errors
            .iter()
            .find(|e| e.anchor == anchor)
            .map(|e| e.message.as_str())
    }
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
        position: (i + 1).to_string(),
        is_new: false,
    }
}

fn new_slot(i: usize) -> QuestionView {
    QuestionView {
        index: i,
        kind: Some(AnswerKind::Text),
        max_len: "2000".to_owned(),
        required: true,
        position: (i + 1).to_string(),
        is_new: true,
        ..QuestionView::default()
    }
}

/// The form showing what is stored (defaults where the subreddit has none).
pub fn view_of(s: &SubredditSettings, d: &Defaults) -> SettingsView {
    let m = s.messages.clone().unwrap_or_else(|| d.messages.clone());
    let qs = s.form_questions.clone().unwrap_or_default();
    let mut questions: Vec<QuestionView> =
        qs.0.iter()
            .enumerate()
            .map(|(i, q)| question_view(i, q))
            .collect();
    questions.push(new_slot(questions.len()));
    SettingsView {
        initial: m.initial,
        reminder: m.reminder,
        final_: m.final_,
        treatment_percent: percent(s.treatment_fraction.unwrap_or(d.treatment_fraction)),
        confirm_fraction: false,
        cooldown_days: s
            .appeal_cooldown_days
            .unwrap_or(d.cooldown_days)
            .to_string(),
        max_reminders: s.max_reminders.unwrap_or(d.max_reminders).to_string(),
        link_ttl_days: s.link_ttl_days.unwrap_or(d.link_ttl_days).to_string(),
        marker: s.unappealable_marker.clone().unwrap_or_default(),
        blocklist: s
            .blocklist
            .iter()
            .map(RedditUsername::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        mod_notes: s.reddit_mod_notes.unwrap_or(d.mod_notes),
        questions,
        decisions: decision_form::view_of(&DecisionTemplates::resolve(
            s.decision_templates.as_ref(),
        )),
    }
}

/// "75", "12.5".
pub fn percent(fraction: f64) -> String {
    let p = (fraction * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

/// What the post yields: the view to show again, its problems, and (when there are none)
/// the settings to store.
pub struct Parsed {
    pub view: SettingsView,
    pub errors: Vec<FieldError>,
    pub settings: Option<SubredditSettings>,
    pub fraction_changed: bool,
}

/// Reads the posted form against what is stored.
pub fn parse(form: &FormData, stored: &SubredditSettings, d: &Defaults) -> Parsed {
    let view = posted_view(form);
    let current = stored.treatment_fraction.unwrap_or(d.treatment_fraction);
    let fraction_changed =
        fraction_of(&view.treatment_percent).is_some_and(|f| (f - current).abs() > 1e-9);
    let mut errors = Vec::new();
    let checked = check_fields(&view, fraction_changed, &mut |anchor: &str, message| {
        errors.push(FieldError {
            anchor: anchor.to_owned(),
            message,
        })
    });
    let settings = checked
        .filter(|_| errors.is_empty())
        .map(|c| c.into_settings(stored, d, fraction_changed));
    Parsed {
        view,
        errors,
        settings,
        fraction_changed,
    }
}

/// Every field as posted, before any check.
fn posted_view(form: &FormData) -> SettingsView {
    let text = |k: &str| form.get(k).unwrap_or_default().replace("\r\n", "\n");
    let line = |k: &str| form.get(k).unwrap_or_default().trim().to_owned();
    SettingsView {
        initial: text("initial"),
        reminder: text("reminder"),
        final_: text("final"),
        treatment_percent: line("treatment_percent"),
        confirm_fraction: form.get("confirm_fraction").is_some(),
        cooldown_days: line("cooldown_days"),
        max_reminders: line("max_reminders"),
        link_ttl_days: line("link_ttl_days"),
        marker: line("marker"),
        blocklist: text("blocklist"),
        mod_notes: form.get("reddit_mod_notes").is_some(),
        questions: posted_questions(form),
        decisions: decision_form::posted(form),
    }
}

/// Every field checked, each problem reported to `bad` in the order of the form; `None`
/// when any field is wrong.
fn check_fields(
    view: &SettingsView,
    fraction_changed: bool,
    bad: &mut impl FnMut(&str, String),
) -> Option<Checked> {
    let messages = check_messages(view, bad);
    let fraction = check_fraction(view, bad);
    if fraction_changed && !view.confirm_fraction {
        bad(
            "treatment_percent",
            "Changing the share changes the experiment: appeals before and after are compared \
             separately. Tick the box below the field to confirm."
                .to_owned(),
        );
    }
    let cooldown_days = number(
        &view.cooldown_days,
        0,
        365,
        "cooldown_days",
        "The cooldown",
        bad,
    );
    let max_reminders = number(
        &view.max_reminders,
        0,
        10,
        "max_reminders",
        "The number of reminders",
        bad,
    );
    let link_ttl_days = number(
        &view.link_ttl_days,
        1,
        365,
        "link_ttl_days",
        "The link lifetime",
        bad,
    );
    let marker = check_marker(&view.marker, bad);
    let blocklist = check_blocklist(&view.blocklist, bad);
    let questions = check_questions(&view.questions, bad);
    let decisions = decision_form::check(&view.decisions, bad);
    Some(Checked {
        messages: messages?,
        fraction: fraction?,
        cooldown_days: cooldown_days?,
        max_reminders: max_reminders?,
        link_ttl_days: link_ttl_days?,
        marker,
        blocklist: blocklist?,
        mod_notes: view.mod_notes,
        questions: questions?,
        decisions: decisions?,
    })
}

/// The posted values, every one valid.
struct Checked {
    messages: Messages,
    fraction: f64,
    cooldown_days: u32,
    max_reminders: u32,
    link_ttl_days: u32,
    marker: Option<String>,
    blocklist: Vec<RedditUsername>,
    mod_notes: bool,
    questions: FormQuestions,
    decisions: DecisionTemplates,
}

impl Checked {
    /// The settings to store: a value the subreddit never set and that equals the default
    /// stays unset (so a later change of the configured default reaches it); one it has set
    /// stays set, even back to the default.
    fn into_settings(
        self,
        stored: &SubredditSettings,
        d: &Defaults,
        fraction_changed: bool,
    ) -> SubredditSettings {
        SubredditSettings {
            messages: keep(self.messages, stored.messages.as_ref(), &d.messages),
            treatment_fraction: (stored.treatment_fraction.is_some() || fraction_changed)
                .then_some(self.fraction),
            appeal_cooldown_days: keep(
                self.cooldown_days,
                stored.appeal_cooldown_days.as_ref(),
                &d.cooldown_days,
            ),
            max_reminders: keep(
                self.max_reminders,
                stored.max_reminders.as_ref(),
                &d.max_reminders,
            ),
            link_ttl_days: keep(
                self.link_ttl_days,
                stored.link_ttl_days.as_ref(),
                &d.link_ttl_days,
            ),
            unappealable_marker: self.marker,
            blocklist: self.blocklist,
            reddit_mod_notes: keep(
                self.mod_notes,
                stored.reddit_mod_notes.as_ref(),
                &d.mod_notes,
            ),
            form_questions: keep(
                self.questions,
                stored.form_questions.as_ref(),
                &FormQuestions::default(),
            ),
            decision_templates: keep(
                self.decisions,
                stored.decision_templates.as_ref(),
                &DecisionTemplates::default(),
            ),
            ..stored.clone()
        }
    }
}

fn check_messages(v: &SettingsView, bad: &mut impl FnMut(&str, String)) -> Option<Messages> {
    let mut ok = true;
    for (anchor, name, body, needs_link) in [
        ("initial", "The first message", &v.initial, true),
        ("reminder", "The reminder", &v.reminder, true),
        ("final", "The final message", &v.final_, false),
    ] {
        let problem = if body.trim().is_empty() {
            Some(format!("{name} cannot be empty."))
        } else if body.chars().count() > MAX_MESSAGE {
            Some(format!("{name} has at most {MAX_MESSAGE} characters."))
        } else if needs_link && !body.contains("{link}") {
            Some(format!(
                "{name} must contain {{link}}: it is how the user reaches the form."
            ))
        } else {
            unknown_placeholder(body).map(|p| {
                format!("{name} uses {{{p}}}, which the bot does not fill in; use {{username}}, {{subreddit}}, {{link}} or {{expires}}.")
            })
        };
        if let Some(m) = problem {
            bad(anchor, m);
            ok = false;
        }
    }
    ok.then(|| Messages {
        initial: v.initial.clone(),
        reminder: v.reminder.clone(),
        final_: v.final_.clone(),
    })
}

fn unknown_placeholder(body: &str) -> Option<String> {
    let mut rest = body;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else { break };
        let name = &after[..j];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !PLACEHOLDERS.contains(&name)
        {
            return Some(name.to_owned());
        }
        rest = &after[j + 1..];
    }
    None
}

/// "12.5" or "12.5%" → 0.125 (to a tenth of a percent); `None` outside 0 to 100.
fn fraction_of(percent: &str) -> Option<f64> {
    match percent.trim_end_matches('%').trim().parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Some((p * 10.0).round() / 1000.0),
        _ => None,
    }
}

fn check_fraction(v: &SettingsView, bad: &mut impl FnMut(&str, String)) -> Option<f64> {
    let fraction = fraction_of(&v.treatment_percent);
    if fraction.is_none() {
        bad(
            "treatment_percent",
            "Enter the share as a number from 0 to 100 (a percentage).".to_owned(),
        );
    }
    fraction
}

fn number(
    raw: &str,
    min: u32,
    max: u32,
    anchor: &str,
    name: &str,
    bad: &mut impl FnMut(&str, String),
) -> Option<u32> {
    match raw.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            bad(
                anchor,
                format!("{name} must be a whole number from {min} to {max}."),
            );
            None
        }
    }
}

fn check_marker(raw: &str, bad: &mut impl FnMut(&str, String)) -> Option<String> {
    if raw.chars().count() > 50 || raw.chars().any(char::is_control) {
        bad(
            "marker",
            "The marker is one line of at most 50 characters, e.g. #noappeal.".to_owned(),
        );
        return None;
    }
    (!raw.is_empty()).then(|| raw.to_owned())
}

fn check_blocklist(raw: &str, bad: &mut impl FnMut(&str, String)) -> Option<Vec<RedditUsername>> {
    let mut out: Vec<RedditUsername> = Vec::new();
    for (n, line) in raw.split(['\n', ',']).enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match RedditUsername::parse(line) {
            Ok(u) if !out.contains(&u) => out.push(u),
            Ok(_) => {}
            Err(e) => {
                bad("blocklist", format!("Blocklist line {}: {e}", n + 1));
                return None;
            }
        }
    }
    if out.len() > 1000 {
        bad(
            "blocklist",
            "The blocklist holds at most 1,000 usernames.".to_owned(),
        );
        return None;
    }
    Some(out)
}

fn posted_questions(form: &FormData) -> Vec<QuestionView> {
    let count: usize = form
        .get("q_count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
        .min(MAX_QUESTIONS + 1);
    (0..count)
        .filter(|i| form.get(&format!("q{i}_remove")).is_none())
        .map(|i| {
            let f = |k: &str| {
                form.get(&format!("q{i}_{k}"))
                    .unwrap_or_default()
                    .to_owned()
            };
            QuestionView {
                index: i,
                id: f("id").trim().to_owned(),
                label: f("label").trim().to_owned(),
                help: f("help").trim().to_owned(),
                kind: AnswerKind::from_value(&f("kind")),
                options: f("options").replace("\r\n", "\n"),
                other: form.get(&format!("q{i}_other")).is_some(),
                max_len: f("max_len").trim().to_owned(),
                required: form.get(&format!("q{i}_required")).is_some(),
                ban_note: form.get(&format!("q{i}_ban_note")).is_some(),
                position: f("position").trim().to_owned(),
                is_new: f("id").trim().is_empty(),
            }
        })
        // An untouched "add a question" slot is not a question.
        .filter(|q| !(q.is_new && q.label.is_empty() && q.options.trim().is_empty()))
        .collect()
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

fn check_questions(
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
    let mut ordered: Vec<(f64, usize, &QuestionView)> = qs
        .iter()
        .enumerate()
        .map(|(n, q)| (q.position.parse::<f64>().unwrap_or(f64::MAX), n, q))
        .collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut taken: Vec<String> = qs
        .iter()
        .filter(|q| !q.is_new)
        .map(|q| q.id.clone())
        .collect();
    let mut out = Vec::new();
    let mut ok = true;
    for (_, _, q) in ordered {
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
    use appealmod_shared::domain::SubredditName;

    fn defaults() -> Defaults {
        appealmod_shared::config::Config::default().settings_defaults()
    }

    fn stored() -> SubredditSettings {
        SubredditSettings::new(SubredditName::parse("pics").expect("sub"))
    }

    /// The form as shown, posted back unchanged.
    fn round_trip(v: &SettingsView) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = vec![
            ("initial".into(), v.initial.clone()),
            ("reminder".into(), v.reminder.clone()),
            ("final".into(), v.final_.clone()),
            ("treatment_percent".into(), v.treatment_percent.clone()),
            ("cooldown_days".into(), v.cooldown_days.clone()),
            ("max_reminders".into(), v.max_reminders.clone()),
            ("link_ttl_days".into(), v.link_ttl_days.clone()),
            ("marker".into(), v.marker.clone()),
            ("blocklist".into(), v.blocklist.clone()),
            ("q_count".into(), v.questions.len().to_string()),
            ("decision_grant".into(), v.decisions.grant.clone()),
            ("decision_reduce".into(), v.decisions.reduce.clone()),
            ("d_count".into(), v.decisions.denials.len().to_string()),
        ];
        for d in &v.decisions.denials {
            f.push((format!("d{}_name", d.index), d.name.clone()));
            f.push((format!("d{}_text", d.index), d.text.clone()));
        }
        if v.mod_notes {
            f.push(("reddit_mod_notes".into(), "on".into()));
        }
        for q in &v.questions {
            let i = q.index;
            let kind = q.kind.map(AnswerKind::value).unwrap_or_default().to_owned();
            for (k, val) in [
                ("id", &q.id),
                ("label", &q.label),
                ("help", &q.help),
                ("kind", &kind),
                ("options", &q.options),
                ("max_len", &q.max_len),
                ("position", &q.position),
            ] {
                f.push((format!("q{i}_{k}"), val.clone()));
            }
            for (k, on) in [
                ("other", q.other),
                ("required", q.required),
                ("ban_note", q.ban_note),
            ] {
                if on {
                    f.push((format!("q{i}_{k}"), "on".into()));
                }
            }
        }
        f
    }

    fn form(pairs: &[(String, String)]) -> FormData {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        FormData::parse(body.as_bytes())
    }

    #[test]
    fn an_unchanged_form_stores_nothing_new() {
        let v = view_of(&stored(), &defaults());
        let p = parse(&form(&round_trip(&v)), &stored(), &defaults());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.settings, Some(stored()), "defaults stay defaults");
        assert!(!p.fraction_changed);
    }

    #[test]
    fn errors_name_their_field() {
        let v = view_of(&stored(), &defaults());
        let mut pairs = round_trip(&v);
        let set = |pairs: &mut Vec<(String, String)>, k: &str, val: &str| {
            if let Some(slot) = pairs.iter_mut().find(|(n, _)| n == k) {
                slot.1 = val.to_owned();
            }
        };
        set(&mut pairs, "initial", "No link here, {name}");
        set(&mut pairs, "treatment_percent", "80");
        set(&mut pairs, "max_reminders", "11");
        set(&mut pairs, "blocklist", "good_user\nbad user!");
        set(&mut pairs, "q0_label", "");
        let p = parse(&form(&pairs), &stored(), &defaults());
        let anchors: Vec<&str> = p.errors.iter().map(|e| e.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            vec![
                "initial",
                "treatment_percent",
                "max_reminders",
                "blocklist",
                "q0_label"
            ]
        );
        assert!(p.errors[1].message.contains("changes the experiment"));
        assert!(p.settings.is_none());

        pairs.push(("confirm_fraction".into(), "on".into()));
        set(&mut pairs, "initial", "Fill this in: {link}");
        set(&mut pairs, "max_reminders", "1");
        set(&mut pairs, "blocklist", "good_user");
        set(&mut pairs, "q0_label", "Why were you banned?");
        let p = parse(&form(&pairs), &stored(), &defaults());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let s = p.settings.expect("valid");
        assert_eq!(s.treatment_fraction, Some(0.8));
        assert!(p.fraction_changed);
        assert_eq!(s.max_reminders, Some(1));
        assert_eq!(
            s.messages.expect("messages").initial,
            "Fill this in: {link}"
        );
    }

    #[test]
    fn mod_notes_stay_at_the_default_until_a_moderator_chooses() {
        let on_by_default = Defaults {
            mod_notes: true,
            ..defaults()
        };
        for d in [defaults(), on_by_default] {
            let v = view_of(&stored(), &d);
            assert_eq!(v.mod_notes, d.mod_notes, "the box shows the default");
            let same = parse(&form(&round_trip(&v)), &stored(), &d);
            assert_eq!(same.settings.expect("valid").reddit_mod_notes, None);
            let flipped = SettingsView {
                mod_notes: !d.mod_notes,
                ..v
            };
            let p = parse(&form(&round_trip(&flipped)), &stored(), &d);
            let chosen = p.settings.expect("valid");
            assert_eq!(chosen.reddit_mod_notes, Some(!d.mod_notes));
            // Once chosen, the choice is kept even when it equals the default again.
            let again = SettingsView {
                mod_notes: d.mod_notes,
                ..view_of(&chosen, &d)
            };
            let back = parse(&form(&round_trip(&again)), &chosen, &d);
            assert_eq!(
                back.settings.expect("valid").reddit_mod_notes,
                Some(d.mod_notes)
            );
        }
    }

    #[test]
    fn questions_are_added_removed_and_reordered() {
        let v = view_of(&stored(), &defaults());
        let mut pairs = round_trip(&v);
        let new = v.questions.len() - 1;
        pairs.retain(|(k, _)| !k.starts_with(&format!("q{new}_")));
        pairs.extend([
            (format!("q{new}_label"), "Anything else?".to_owned()),
            (format!("q{new}_kind"), "text".to_owned()),
            (format!("q{new}_max_len"), "500".to_owned()),
            (format!("q{new}_position"), "0".to_owned()),
            ("q1_remove".to_owned(), "on".to_owned()),
        ]);
        let p = parse(&form(&pairs), &stored(), &defaults());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let qs = p
            .settings
            .expect("valid")
            .form_questions
            .expect("changed")
            .0;
        assert_eq!(qs.len(), FormQuestions::default().0.len());
        assert_eq!(qs[0].id, "anything_else");
        assert!(qs.iter().all(|q| q.id != "rule"), "removed");
        assert_eq!(percent(0.125), "12.5");
    }
}
