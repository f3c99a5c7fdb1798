//! The internal note that hands a completed appeal to the moderators, and the markdown
//! escaping that keeps appellants' text from breaking it or pinging anyone.
//!
//! The note opens with one verdict line a moderator can scan, then the ban facts, then the
//! answers — short ones inline, long ones quoted — with every example comment shown and the
//! chosen ones marked.

use chrono::{DateTime, Utc};

use crate::domain::{AnswerValue, FormAnswers, FormQuestions, Outcome, QuestionKind};
use crate::i18n::ShippedReason;

/// Modmail refuses messages longer than this.
pub const MODMAIL_MAX_CHARS: usize = 10_000;
/// Answers up to this long, on one line, are shown inline rather than quoted.
const INLINE_MAX: usize = 100;

/// An appeal this user made before, as the note lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlierAppeal {
    pub created_at: DateTime<Utc>,
    pub outcome: Option<Outcome>,
}

/// What the note says besides the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteContext<'a> {
    pub username: &'a str,
    pub subreddit: &'a str,
    /// What the user was told: the reason quoted in the ban message.
    pub ban_reason: &'a str,
    /// What moderators wrote for themselves in the ban list.
    pub ban_note: &'a str,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
    /// Appeals this user made in this subreddit before this one, oldest first.
    pub earlier: &'a [EarlierAppeal],
    pub form: &'a FormAnswers,
    /// The form as the subreddit defines it (for every option of the example comments).
    pub questions: &'a FormQuestions,
    pub reminders: i64,
    /// A form filled faster than this is flagged.
    pub fast_fill_secs: i64,
    /// Toxic language was found in the appellant's messages or answers.
    pub toxic: bool,
    /// This appeal in the moderators' console.
    pub console_link: Option<&'a str>,
}

/// Characters that reorder or break text where the reader cannot see it: bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the line and paragraph
/// separators (U+2028, U+2029).
fn invisible_trick(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Escapes text typed by an appellant so that it shows literally inside a quote block:
/// markdown syntax is backslash-escaped, `u/name` / `r/name` mentions are broken with a
/// zero-width space so that quoting a username never pings that user, and control,
/// bidirectional-override and separator characters are removed.
pub fn escape_user_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let chars: Vec<char> = s
        .chars()
        .filter(|c| (!c.is_control() || *c == '\n') && !invisible_trick(*c))
        .collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '>' | '<' | '~' | '^' | '&' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '/' => {
                out.push('/');
                // Break `u/name`, `/u/name`, `r/name` (Reddit links and pings them).
                let prev = if i > 0 { chars[i - 1] } else { ' ' };
                if matches!(prev, 'u' | 'U' | 'r' | 'R') {
                    out.push('\u{200B}');
                }
            }
            '@' => {
                out.push('@');
                out.push('\u{200B}');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text as a quote block: every line starts with `> `, so nothing escapes the block.
fn quoted(s: &str) -> String {
    let escaped = escape_user_text(s.trim());
    if escaped.is_empty() {
        return "> *(no answer)*".to_owned();
    }
    escaped
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "2 min 40 s", "12 s", "1 h 5 min".
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The appeal reason as the verdict line says it: a shipped option, in whichever language
/// the appellant read it, in the moderators' words; any other as chosen.
fn reason_phrase(option: &str, text: Option<&str>) -> String {
    match crate::i18n::shipped_reason(option) {
        Some(ShippedReason::Disagree) => "disagrees with the rule".to_owned(),
        Some(ShippedReason::NotFit) => "says the rule does not apply".to_owned(),
        Some(ShippedReason::Regret) => "regrets it".to_owned(),
        Some(ShippedReason::Mistake) => "says it was a mistake".to_owned(),
        None => {
            let detail: String = text.unwrap_or_default().chars().take(40).collect();
            let detail = detail.trim();
            if detail.is_empty() {
                escape_user_text(option).to_lowercase()
            } else {
                format!(
                    "{}: “{}”",
                    escape_user_text(option).to_lowercase(),
                    escape_user_text(detail)
                )
            }
        }
    }
}

fn answer_of<'a>(form: &'a FormAnswers, id: &str) -> Option<&'a AnswerValue> {
    form.answers
        .iter()
        .find(|a| a.question_id == id)
        .map(|a| &a.value)
}

fn fill_secs(form: &FormAnswers) -> Option<i64> {
    form.opened_at
        .map(|o| (form.submitted_at - o).num_seconds())
}

/// The line a moderator scans: who, which ban, what they say, how they filled it.
fn verdict(ctx: &NoteContext<'_>) -> String {
    let mut parts = vec![format!("**u/{}**", escape_user_text(ctx.username))];
    parts.push(format!(
        "{} ban{}",
        if ctx.ban_permanent {
            "permanent"
        } else {
            "temporary"
        },
        ctx.ban_date
            .map(|d| format!(" {}", d.format("%Y-%m-%d")))
            .unwrap_or_default()
    ));
    if let Some(AnswerValue::YesNo(b)) = answer_of(ctx.form, "actions_wrong") {
        parts.push(format!("admits wrong: {}", yes_no(*b)));
    }
    if let Some(AnswerValue::YesNo(b)) = answer_of(ctx.form, "pledge") {
        parts.push(format!("pledges: {}", yes_no(*b)));
    }
    if let Some(AnswerValue::Choice { option, text }) = answer_of(ctx.form, "appeal_reason") {
        parts.push(format!(
            "reason: {}",
            reason_phrase(option, text.as_deref())
        ));
    }
    if let Some(secs) = fill_secs(ctx.form) {
        let fast = if secs < ctx.fast_fill_secs {
            " ⚠ fast"
        } else {
            ""
        };
        parts.push(format!("filled in {}{fast}", human_duration(secs)));
    }
    match ctx.reminders {
        0 => {}
        1 => parts.push("1 reminder".to_owned()),
        n => parts.push(format!("{n} reminders")),
    }
    if ctx.toxic {
        parts.push("⚠ toxic language".to_owned());
    }
    parts.join(" · ")
}

/// The ban as the user was told it and as the moderators noted it, and earlier appeals.
fn ban_facts(ctx: &NoteContext<'_>) -> String {
    let text = |s: &str| {
        let s = s.trim();
        if s.is_empty() {
            "*(none)*".to_owned()
        } else {
            escape_user_text(s)
        }
    };
    let mut out = format!(
        "**Reason in the ban message:** {}\n\n**Moderators' ban note:** {}\n\n",
        text(ctx.ban_reason),
        text(ctx.ban_note)
    );
    let earlier = if ctx.earlier.is_empty() {
        "none".to_owned()
    } else {
        let each: Vec<String> = ctx
            .earlier
            .iter()
            .map(|e| {
                let outcome = match e.outcome {
                    Some(Outcome::Granted) => "granted",
                    Some(Outcome::Denied) => "denied",
                    None => "no decision recorded",
                };
                format!("{} {outcome}", e.created_at.format("%Y-%m-%d"))
            })
            .collect();
        format!("{} ({})", ctx.earlier.len(), each.join("; "))
    };
    out.push_str(&format!(
        "**Earlier appeals in r/{}:** {earlier}\n\n",
        ctx.subreddit
    ));
    if let Some(secs) = fill_secs(ctx.form).filter(|s| *s < ctx.fast_fill_secs) {
        out.push_str(&format!(
            "⚠ **Filled in {}**, faster than {}: check that the answers were read and written.\n\n",
            human_duration(secs),
            human_duration(ctx.fast_fill_secs)
        ));
    }
    if ctx.toxic {
        out.push_str("⚠ **Toxic language in the appellant's messages or answers.**\n\n");
    }
    out
}

/// One answer: its label and what goes under it (`None`: it stays as is when shortening).
struct Rendered {
    label: String,
    /// Free text the appellant wrote (quoted, shortened first when the note is too long).
    text: Option<String>,
    /// Anything else, already in markdown.
    fixed: String,
}

fn render_answer(a: &crate::domain::Answer, questions: &FormQuestions) -> Rendered {
    let label = escape_user_text(&a.label);
    let fixed = |fixed: String| Rendered {
        label: label.clone(),
        text: None,
        fixed,
    };
    match &a.value {
        AnswerValue::YesNo(b) => fixed(if *b { "Yes" } else { "No" }.to_owned()),
        AnswerValue::Choice { option, text } => match text.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Rendered {
                label: format!("{label}** {}:**", escape_user_text(option)),
                text: Some(t.to_owned()),
                fixed: String::new(),
            },
            _ => fixed(escape_user_text(option)),
        },
        AnswerValue::MultiChoice(chosen) => {
            // Every option the form offered, so that the answer means something.
            let offered = questions
                .0
                .iter()
                .find(|q| q.id == a.question_id)
                .and_then(|q| match &q.kind {
                    QuestionKind::MultiChoice { options } => Some(options.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| chosen.clone());
            let lines: Vec<String> = offered
                .iter()
                .map(|o| {
                    let mark = if chosen.contains(o) {
                        "☑ allowed"
                    } else {
                        "☐ not allowed"
                    };
                    format!("* {mark}: {}", escape_user_text(o))
                })
                .collect();
            fixed(format!("\n\n{}", lines.join("\n")))
        }
        AnswerValue::Text(t) => Rendered {
            label,
            text: Some(t.clone()),
            fixed: String::new(),
        },
    }
}

/// The Reddit Mod Note left on the appellant when an appeal completes: the date and where
/// to read it, within Reddit's limit.
pub fn reddit_mod_note(submitted_at: DateTime<Utc>, console_link: Option<&str>) -> String {
    let base = format!(
        "Ban appeal submitted {} through appealmod; answers in the modmail conversation",
        submitted_at.format("%Y-%m-%d")
    );
    let with_link = console_link.map(|l| format!("{base} and at {l}"));
    match with_link {
        Some(s) if s.chars().count() <= crate::domain::MOD_NOTE_MAX_CHARS => s,
        _ => base,
    }
}

/// Builds the moderators' note. Always at most [`MODMAIL_MAX_CHARS`] characters: when the
/// answers are too long, the longest free-text answers are shortened, never the summary.
pub fn mod_note(ctx: &NoteContext<'_>) -> String {
    let header = format!(
        "**Ban appeal** · {}\n\n{}---\n\n",
        verdict(ctx),
        ban_facts(ctx)
    );
    let answers: Vec<Rendered> = ctx
        .form
        .answers
        .iter()
        .map(|a| render_answer(a, ctx.questions))
        .collect();
    let footer = match ctx.console_link {
        Some(link) => format!(
            "---\n\n[This appeal in the appealmod console]({link}) · *Posted automatically; reply to the user in this conversation as usual.*"
        ),
        None => "---\n\n*Posted automatically by appealmod; reply to the user in this conversation as usual.*".to_owned(),
    };
    let render = |limit: Option<usize>| {
        let mut s = header.clone();
        for a in &answers {
            s.push_str(&render_one(a, limit));
            s.push_str("\n\n");
        }
        s.push_str(&footer);
        s
    };
    let full = render(None);
    if full.chars().count() <= MODMAIL_MAX_CHARS {
        return full;
    }
    // Shrink the per-answer limit until the note fits.
    let mut limit = answers
        .iter()
        .filter_map(|a| a.text.as_ref().map(|t| t.chars().count()))
        .max()
        .unwrap_or(0);
    while limit > 0 {
        limit = limit * 3 / 4;
        let s = render(Some(limit));
        if s.chars().count() <= MODMAIL_MAX_CHARS {
            return s;
        }
    }
    render(Some(0)).chars().take(MODMAIL_MAX_CHARS).collect()
}

/// The answers as the note shows them, in full (the note shortens the longest free-text
/// answers when it would not fit in modmail). The console's page of the appeal shows this.
pub fn answers_markdown(form: &FormAnswers, questions: &FormQuestions) -> String {
    form.answers
        .iter()
        .map(|a| render_one(&render_answer(a, questions), None))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One answer in markdown: short text inline, long or multi-line text quoted.
fn render_one(a: &Rendered, limit: Option<usize>) -> String {
    let Some(text) = &a.text else {
        return format!("**{}** {}", a.label, a.fixed);
    };
    let text = text.trim();
    let (text, cut) = match limit {
        Some(n) if text.chars().count() > n => (text.chars().take(n).collect::<String>(), true),
        _ => (text.to_owned(), false),
    };
    let suffix = if cut { " … *(shortened)*" } else { "" };
    if !cut && !text.is_empty() && !text.contains('\n') && text.chars().count() <= INLINE_MAX {
        format!("**{}** {}", a.label, escape_user_text(&text))
    } else {
        format!("**{}**\n\n{}{suffix}", a.label, quoted(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Answer;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("time")
    }

    fn form(answers: Vec<Answer>, secs: i64) -> FormAnswers {
        FormAnswers {
            answers,
            opened_at: Some(at(0)),
            submitted_at: at(secs),
        }
    }

    fn answer(id: &str, label: &str, value: AnswerValue) -> Answer {
        Answer {
            question_id: id.into(),
            label: label.into(),
            value,
        }
    }

    fn text(id: &str, v: &str) -> Answer {
        answer(id, &format!("Question {id}"), AnswerValue::Text(v.into()))
    }

    const EARLIER: [EarlierAppeal; 2] = [
        EarlierAppeal {
            created_at: DateTime::from_timestamp(1_680_000_000, 0).expect("time"),
            outcome: Some(Outcome::Denied),
        },
        EarlierAppeal {
            created_at: DateTime::from_timestamp(1_690_000_000, 0).expect("time"),
            outcome: None,
        },
    ];

    fn ctx<'a>(form: &'a FormAnswers, questions: &'a FormQuestions) -> NoteContext<'a> {
        NoteContext {
            username: "some_user",
            subreddit: "pics",
            ban_reason: "Spamming links",
            ban_note: "rule 2: spam",
            ban_date: Some(at(-1_000_000)),
            ban_permanent: true,
            earlier: &EARLIER,
            form,
            questions,
            reminders: 1,
            fast_fill_secs: 30,
            toxic: false,
            console_link: Some("https://site.test/dashboard/r/pics"),
        }
    }

    /// The original form, answered in full.
    fn full_form(secs: i64) -> FormAnswers {
        let q = FormQuestions::default();
        let listed = q.0.iter().find(|q| q.id == "examples").map(|q| &q.kind);
        let examples = match listed {
            Some(QuestionKind::MultiChoice { options }) => {
                vec![options[0].clone(), options[3].clone()]
            }
            _ => unreachable!("the default form lists the example comments"),
        };
        form(
            vec![
                text("ban_reason", "I posted the same link in many threads"),
                answer(
                    "appeal_reason",
                    "Why are you appealing?",
                    AnswerValue::Choice {
                        option: "I disagree with the rule".into(),
                        text: None,
                    },
                ),
                text("rule", "No spam"),
                text("actions", &"I shared my blog. ".repeat(10)),
                answer(
                    "actions_wrong",
                    "Were your actions wrong?",
                    AnswerValue::YesNo(true),
                ),
                answer(
                    "pledge",
                    "Do you pledge not to repeat them?",
                    AnswerValue::YesNo(true),
                ),
                text("steps", "Post it once, in the weekly thread"),
                answer(
                    "examples",
                    "Which comments?",
                    AnswerValue::MultiChoice(examples),
                ),
            ],
            secs,
        )
    }

    #[test]
    fn the_shipped_reasons_are_named_in_every_language_and_others_quoted() {
        let cases = [
            ("I disagree with the rule", "disagrees with the rule"),
            // The shipped wording, which the note once missed ("does not apply to").
            (
                "The rule does not fit what I did",
                "says the rule does not apply",
            ),
            ("Ich bereue, was ich getan habe", "regrets it"),
            ("Mon bannissement est une erreur", "says it was a mistake"),
            (
                "La norma no se aplica a mi caso",
                "says the rule does not apply",
            ),
            ("Discordo da regra", "disagrees with the rule"),
            ("Something else", "something else"),
        ];
        for (option, phrase) in cases {
            assert_eq!(reason_phrase(option, None), phrase, "{option}");
        }
        assert_eq!(
            reason_phrase("Anderes", Some("Ein Scherz")),
            "anderes: “Ein Scherz”"
        );
    }

    #[test]
    fn the_note_opens_with_a_verdict_line_a_moderator_can_scan() {
        let q = FormQuestions::default();
        let f = full_form(160);
        let n = mod_note(&ctx(&f, &q));
        let first = n.lines().next().expect("a first line");
        assert_eq!(
            first,
            "**Ban appeal** · **u/some\\_user** · permanent ban 2023-11-03 · admits wrong: yes · \
             pledges: yes · reason: disagrees with the rule · filled in 2 min 40 s · 1 reminder"
        );
        for needle in [
            "**Reason in the ban message:** Spamming links",
            "**Moderators' ban note:** rule 2: spam",
            "**Earlier appeals in r/pics:** 2 (2023-03-28 denied; 2023-07-22 no decision recorded)",
            "**Question rule** No spam",
            "**Were your actions wrong?** Yes",
            "[This appeal in the appealmod console](https://site.test/dashboard/r/pics)",
        ] {
            assert!(n.contains(needle), "missing {needle:?} in\n{n}");
        }
        // A long answer is quoted, not inline.
        assert!(
            n.contains("**Question actions**\n\n> I shared my blog\\."),
            "{n}"
        );
        assert!(!n.contains("⚠"), "nothing to warn about: {n}");
    }

    #[test]
    fn every_example_comment_is_shown_and_the_chosen_ones_marked() {
        let q = FormQuestions::default();
        let f = full_form(160);
        let n = mod_note(&ctx(&f, &q));
        let all = crate::domain::default_example_comments();
        for (i, c) in all.iter().enumerate() {
            let mark = if i == 0 || i == 3 {
                "☑ allowed"
            } else {
                "☐ not allowed"
            };
            let line = format!("* {mark}: {}", escape_user_text(c));
            assert!(n.contains(&line), "missing {line:?} in\n{n}");
        }
    }

    #[test]
    fn fast_fills_and_toxic_language_are_flagged() {
        let q = FormQuestions::default();
        let f = full_form(12);
        let mut c = ctx(&f, &q);
        c.toxic = true;
        c.reminders = 3;
        let n = mod_note(&c);
        let first = n.lines().next().expect("a first line");
        assert!(
            first.ends_with("filled in 12 s ⚠ fast · 3 reminders · ⚠ toxic language"),
            "{first}"
        );
        assert!(n.contains("⚠ **Filled in 12 s**, faster than 30 s"), "{n}");
        assert!(n.contains("⚠ **Toxic language in the appellant's messages or answers.**"));
    }

    #[test]
    fn user_text_cannot_break_markdown_or_ping() {
        let hostile = "# Heading\n> fake quote\n[click](https://evil.example) **bold** u/admin /u/spez r/all @everyone\n---";
        let q = FormQuestions::default();
        let f = form(vec![text("x", hostile)], 100);
        let n = mod_note(&ctx(&f, &q));
        assert!(!n.contains("\n# Heading"), "{n}");
        assert!(!n.contains("[click](https"), "{n}");
        assert!(
            !n.contains("u/admin") && !n.contains("/u/spez") && !n.contains("r/all"),
            "{n}"
        );
        assert!(n.contains("u/\u{200B}admin"));
        assert!(!n.contains("\n---\n> "), "{n}");
        // Every line of the answer stays inside the quote block.
        let answer_part = n.split("**Question x**").nth(1).expect("answer present");
        for line in answer_part.trim().lines().take_while(|l| !l.is_empty()) {
            assert!(line.starts_with("> "), "line escaped the quote: {line:?}");
        }
    }

    #[test]
    fn invisible_reordering_and_separator_characters_are_removed() {
        let tricky = "ok\u{202E}desrever\u{202C} \u{2066}iso\u{2069}\u{2028}line\u{2029}para";
        let e = escape_user_text(tricky);
        for c in [
            '\u{202E}', '\u{202C}', '\u{2066}', '\u{2069}', '\u{2028}', '\u{2029}',
        ] {
            assert!(!e.contains(c), "{c:?} left in {e:?}");
        }
        assert_eq!(e, "okdesrever isolinepara");
    }

    #[test]
    fn the_answers_alone_are_the_notes_answers_in_full() {
        let q = FormQuestions::default();
        let f = full_form(160);
        let answers = answers_markdown(&f, &q);
        let n = mod_note(&ctx(&f, &q));
        assert!(n.contains(&answers), "{answers}\n---\n{n}");
        assert!(
            answers.starts_with("**Question ban\\_reason** I posted"),
            "{answers}"
        );
        let long = form(vec![text("a", &"x".repeat(12_000))], 100);
        assert_eq!(answers_markdown(&long, &q).matches('x').count(), 12_000);
    }

    #[test]
    fn note_is_capped_to_modmail_limit() {
        let q = FormQuestions::default();
        let f = form(
            vec![
                text("a", &"x".repeat(9_000)),
                text("b", &"y".repeat(9_000)),
                text("c", "short"),
            ],
            100,
        );
        let n = mod_note(&ctx(&f, &q));
        assert!(
            n.chars().count() <= MODMAIL_MAX_CHARS,
            "{}",
            n.chars().count()
        );
        assert!(n.contains("(shortened)"));
        assert!(n.contains("**Question c** short"), "short answers survive");
        assert!(n.starts_with("**Ban appeal** · "), "the summary survives");
        assert!(n.contains("Moderators' ban note"), "the ban facts survive");
    }
}
