//! The settings form of a subreddit's console: what it shows, and turning what was posted
//! into settings, every field checked, every problem named for the error summary.

use appealmod_core::decide::verdict::DecisionTemplates;
use appealmod_core::domain::Language;
use appealmod_core::settings::keep;
use appealmod_shared::domain::{FormQuestions, Messages, RedditUsername};
use appealmod_shared::storage::SubredditSettings;

use super::decision_form::{self, DecisionsView};
pub use super::question_form::{AnswerKind, QuestionView};
use super::question_form::{check_questions, new_slot, posted_questions, views_of};
use crate::form::FormData;

/// The defaults come from the configuration through core's settings capability; the
/// console never keeps its own copy.
pub use appealmod_core::settings::Defaults;

/// Reddit's modmail limit is 10,000 characters; the bot adds a link and a marker.
pub const MAX_MESSAGE: usize = 9_000;
const PLACEHOLDERS: &[&str] = &["username", "subreddit", "link", "expires"];

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
    /// The appellants' language: the code of a shipped [`Language`] (the select).
    pub language: String,
    /// The moderator who issued a ban may not decide its appeal (the checkbox).
    pub recusal: bool,
    /// Publish a public results page (the checkbox).
    pub public_debrief: bool,
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

/// The form showing what is stored (defaults where the subreddit has none: the shipped
/// texts in the subreddit's language, which the bot and the form use).
pub fn view_of(s: &SubredditSettings, d: &Defaults) -> SettingsView {
    let lang = s.language.unwrap_or(d.language);
    let m = s.messages.clone().unwrap_or_else(|| d.messages_in(lang));
    let questions = views_of(
        &s.form_questions
            .clone()
            .unwrap_or_else(|| FormQuestions::shipped(lang)),
    );
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
        language: lang.code().to_owned(),
        recusal: s.recusal.unwrap_or(d.recusal),
        public_debrief: s.public_debrief.unwrap_or(d.public_debrief),
        questions,
        decisions: decision_form::view_of(&DecisionTemplates::resolve_in(
            s.decision_templates.as_ref(),
            lang,
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
    /// The questions as posted when they are all right, whatever the other fields hold
    /// (what the form's preview shows).
    pub questions: Option<FormQuestions>,
    /// The language as posted when it is one of the list, whatever the other fields hold.
    pub language: Option<Language>,
}

/// Reads the posted form against what is stored.
pub fn parse(form: &FormData, stored: &SubredditSettings, d: &Defaults) -> Parsed {
    let mut view = posted_view(form);
    let current = stored.treatment_fraction.unwrap_or(d.treatment_fraction);
    let fraction_changed =
        fraction_of(&view.treatment_percent).is_some_and(|f| (f - current).abs() > 1e-9);
    let mut errors = Vec::new();
    let fields = check_fields(&view, fraction_changed, &mut |anchor: &str, message| {
        errors.push(FieldError {
            anchor: anchor.to_owned(),
            message,
        })
    });
    let settings = fields
        .checked
        .filter(|_| errors.is_empty())
        .map(|c| c.into_settings(stored, d, fraction_changed));
    // Shown again (a preview, a move, a problem): with the slot for adding a question.
    view.questions.push(new_slot(view.questions.len()));
    Parsed {
        view,
        errors,
        settings,
        fraction_changed,
        questions: fields.questions,
        language: fields.language,
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
        language: line("language"),
        recusal: form.get("recusal").is_some(),
        public_debrief: form.get("public_debrief").is_some(),
        questions: posted_questions(form),
        decisions: decision_form::posted(form),
    }
}

/// What [`check_fields`] found: every field valid (`None` when any is wrong), and the
/// questions and the language each when they alone are valid (the form's preview needs
/// them whatever the other fields hold).
struct Fields {
    checked: Option<Checked>,
    questions: Option<FormQuestions>,
    language: Option<Language>,
}

/// Every field checked once, each problem reported to `bad` in the order of the form.
fn check_fields(
    view: &SettingsView,
    fraction_changed: bool,
    bad: &mut impl FnMut(&str, String),
) -> Fields {
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
    let language = check_language(&view.language, bad);
    let blocklist = check_blocklist(&view.blocklist, bad);
    let questions = check_questions(&view.questions, bad);
    let decisions = decision_form::check(&view.decisions, bad);
    let checked = (|| {
        Some(Checked {
            messages: messages?,
            fraction: fraction?,
            cooldown_days: cooldown_days?,
            max_reminders: max_reminders?,
            link_ttl_days: link_ttl_days?,
            marker,
            blocklist: blocklist?,
            mod_notes: view.mod_notes,
            language: language?,
            recusal: view.recusal,
            public_debrief: view.public_debrief,
            questions: questions.clone()?,
            decisions: decisions?,
        })
    })();
    Fields {
        checked,
        questions,
        language,
    }
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
    language: Language,
    recusal: bool,
    public_debrief: bool,
    questions: FormQuestions,
    decisions: DecisionTemplates,
}

impl Checked {
    /// The settings to store: a value the subreddit never set and that equals the default
    /// stays unset (so a later change of the configured default reaches it); one it has set
    /// stays set, even back to the default. The shipped texts are the default in the
    /// language the page showed them in (the stored one), whatever language is chosen now:
    /// texts left as shipped follow a change of language.
    fn into_settings(
        self,
        stored: &SubredditSettings,
        d: &Defaults,
        fraction_changed: bool,
    ) -> SubredditSettings {
        let shown = stored.language.unwrap_or(d.language);
        SubredditSettings {
            messages: keep(
                self.messages,
                stored.messages.as_ref(),
                &d.messages_in(shown),
            ),
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
            language: keep(self.language, stored.language.as_ref(), &d.language),
            recusal: keep(self.recusal, stored.recusal.as_ref(), &d.recusal),
            public_debrief: keep(
                self.public_debrief,
                stored.public_debrief.as_ref(),
                &d.public_debrief,
            ),
            form_questions: keep(
                self.questions,
                stored.form_questions.as_ref(),
                &FormQuestions::shipped(shown),
            ),
            decision_templates: keep(
                self.decisions,
                stored.decision_templates.as_ref(),
                &DecisionTemplates::shipped(shown),
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

/// One of the shipped languages, by its code (what the select posts).
fn check_language(raw: &str, bad: &mut impl FnMut(&str, String)) -> Option<Language> {
    let found = Language::ALL.into_iter().find(|l| l.code() == raw);
    if found.is_none() {
        bad(
            "language",
            "Choose one of the languages in the list.".to_owned(),
        );
    }
    found
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
            ("language".into(), v.language.clone()),
            ("q_count".into(), v.questions.len().to_string()),
            ("decision_grant".into(), v.decisions.grant.clone()),
            ("decision_reduce".into(), v.decisions.reduce.clone()),
            ("d_count".into(), v.decisions.denials.len().to_string()),
        ];
        for d in &v.decisions.denials {
            f.push((format!("d{}_name", d.index), d.name.clone()));
            f.push((format!("d{}_text", d.index), d.text.clone()));
        }
        for (name, on) in [
            ("reddit_mod_notes", v.mod_notes),
            ("recusal", v.recusal),
            ("public_debrief", v.public_debrief),
        ] {
            if on {
                f.push((name.into(), "on".into()));
            }
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
    fn language_recusal_and_debrief_stay_at_the_default_until_chosen() {
        let d = defaults();
        let v = view_of(&stored(), &d);
        assert_eq!(
            v.language,
            d.language.code(),
            "the select shows the default"
        );
        let same = parse(&form(&round_trip(&v)), &stored(), &d)
            .settings
            .expect("valid");
        assert_eq!(
            (same.language, same.recusal, same.public_debrief),
            (None, None, None)
        );
        let chosen = SettingsView {
            language: "pt-BR".to_owned(),
            recusal: !d.recusal,
            public_debrief: !d.public_debrief,
            ..v.clone()
        };
        let s = parse(&form(&round_trip(&chosen)), &stored(), &d)
            .settings
            .expect("valid");
        assert_eq!(s.language, Some(Language::PortugueseBrazil));
        assert_eq!(s.recusal, Some(!d.recusal));
        assert_eq!(s.public_debrief, Some(!d.public_debrief));
        assert_eq!(view_of(&s, &d).language, "pt-BR", "shown as chosen");
        let forged = SettingsView {
            language: "xx".to_owned(),
            ..v
        };
        let p = parse(&form(&round_trip(&forged)), &stored(), &d);
        assert!(p.settings.is_none());
        assert_eq!(p.errors[0].anchor, "language");
        assert_eq!(p.view.language, "xx", "shown again as posted");
    }

    #[test]
    fn shipped_texts_show_in_the_subreddits_language_and_follow_a_change_of_it() {
        let d = defaults();
        let mut german = stored();
        german.language = Some(Language::German);
        let v = view_of(&german, &d);
        assert!(
            v.initial.starts_with("Hallo u/{username}."),
            "{}",
            v.initial
        );
        assert!(
            v.questions[0].label.starts_with("Warum legst du"),
            "{:?}",
            v.questions[0]
        );
        // Saved as shown, or with another language chosen: nothing of it becomes the
        // subreddit's own, so the texts follow the language.
        for language in ["de", "fr"] {
            let posted = SettingsView {
                language: language.to_owned(),
                ..v.clone()
            };
            let s = parse(&form(&round_trip(&posted)), &german, &d)
                .settings
                .expect("valid");
            assert_eq!(
                (&s.messages, &s.form_questions, &s.decision_templates),
                (&None, &None, &None),
                "{language}"
            );
        }
        // A text edited in the page is the subreddit's own from then on.
        let edited = SettingsView {
            initial: "Bitte hier: {link}".to_owned(),
            ..v
        };
        let s = parse(&form(&round_trip(&edited)), &german, &d)
            .settings
            .expect("valid");
        assert_eq!(s.messages.expect("own").initial, "Bitte hier: {link}");
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
            ("q1_remove".to_owned(), "on".to_owned()),
            ("move".to_owned(), format!("up:{new}")),
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
        assert_eq!(qs[qs.len() - 2].id, "anything_else", "moved up one place");
        assert_eq!(
            p.view.questions.last().map(|q| q.slot),
            Some(true),
            "shown again with the slot for adding one"
        );
        assert!(qs.iter().all(|q| q.id != "rule"), "removed");
        assert_eq!(percent(0.125), "12.5");
    }
}
