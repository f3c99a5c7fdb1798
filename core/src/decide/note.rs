//! The internal note that hands a completed appeal to the moderators, and the markdown
//! escaping that keeps appellants' text from breaking it or pinging anyone.

use chrono::{DateTime, Utc};

use crate::domain::{AnswerValue, FormAnswers};

/// Modmail refuses messages longer than this.
pub const MODMAIL_MAX_CHARS: usize = 10_000;

/// What the note says besides the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteContext<'a> {
    pub username: &'a str,
    pub subreddit: &'a str,
    pub ban_note: &'a str,
    pub ban_date: Option<DateTime<Utc>>,
    pub ban_permanent: bool,
    /// Appeals this user made in this subreddit before this one.
    pub earlier_appeals: usize,
    pub form: &'a FormAnswers,
}

/// Escapes text typed by an appellant so that it shows literally inside a quote block:
/// markdown syntax is backslash-escaped, and `u/name` / `r/name` mentions are broken with a
/// zero-width space so that quoting a username never pings that user.
pub fn escape_user_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let chars: Vec<char> = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
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
            '\n' => out.push('\n'),
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

fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    }
}

/// Builds the moderators' note. Always at most [`MODMAIL_MAX_CHARS`] characters: when the
/// answers are too long, the longest answers are shortened, never the header.
pub fn mod_note(ctx: &NoteContext<'_>) -> String {
    let mut header = String::new();
    header.push_str(&format!(
        "**Ban appeal from u/{} — form completed.**\n\n",
        escape_user_text(ctx.username)
    ));
    header.push_str(&format!(
        "* Ban: {}{}\n",
        if ctx.ban_permanent {
            "permanent"
        } else {
            "temporary"
        },
        ctx.ban_date
            .map(|d| format!(", since {}", d.format("%Y-%m-%d")))
            .unwrap_or_default()
    ));
    let note = if ctx.ban_note.trim().is_empty() {
        "(none)".to_owned()
    } else {
        escape_user_text(ctx.ban_note.trim())
    };
    header.push_str(&format!("* Moderators' ban note: {note}\n"));
    header.push_str(&format!(
        "* Earlier appeals by this user in r/{}: {}\n",
        ctx.subreddit, ctx.earlier_appeals
    ));
    if let Some(opened) = ctx.form.opened_at {
        let secs = (ctx.form.submitted_at - opened).num_seconds();
        header.push_str(&format!(
            "* Time spent on the form: {}\n",
            human_duration(secs)
        ));
    }
    header.push('\n');

    let answers: Vec<(String, String)> = ctx
        .form
        .answers
        .iter()
        .map(|a| {
            let value = match &a.value {
                AnswerValue::Text(t) => t.clone(),
                AnswerValue::YesNo(b) => if *b { "Yes" } else { "No" }.to_owned(),
                AnswerValue::Choice { option, text } => match text {
                    Some(t) if !t.trim().is_empty() => format!("{option}: {t}"),
                    _ => option.clone(),
                },
                AnswerValue::MultiChoice(v) if v.is_empty() => "(none chosen)".to_owned(),
                AnswerValue::MultiChoice(v) => v.join("; "),
            };
            (format!("**{}**\n\n", escape_user_text(&a.label)), value)
        })
        .collect();

    let footer = "\n\n---\n*Posted by appealmod. Reply to the user in this conversation as usual.*";
    let render = |limit: Option<usize>| {
        let mut s = header.clone();
        for (label, value) in &answers {
            s.push_str(label);
            match limit {
                Some(n) if value.chars().count() > n => {
                    let cut: String = value.chars().take(n).collect();
                    s.push_str(&quoted(&cut));
                    s.push_str("… *(shortened)*");
                }
                _ => s.push_str(&quoted(value)),
            }
            s.push_str("\n\n");
        }
        s.push_str(footer);
        s
    };
    let full = render(None);
    if full.chars().count() <= MODMAIL_MAX_CHARS {
        return full;
    }
    // Shrink the per-answer limit until the note fits.
    let mut limit = answers
        .iter()
        .map(|(_, v)| v.chars().count())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Answer;
    use chrono::TimeZone;

    fn form(answers: Vec<Answer>) -> FormAnswers {
        let t = Utc.timestamp_opt(1_700_000_000, 0).single().expect("time");
        FormAnswers {
            answers,
            opened_at: Some(t),
            submitted_at: t + chrono::Duration::seconds(154),
        }
    }

    fn text(id: &str, v: &str) -> Answer {
        Answer {
            question_id: id.into(),
            label: format!("Question {id}"),
            value: AnswerValue::Text(v.into()),
        }
    }

    fn ctx(form: &FormAnswers) -> NoteContext<'_> {
        NoteContext {
            username: "some_user",
            subreddit: "pics",
            ban_note: "rule 2: spam",
            ban_date: Some(Utc.timestamp_opt(1_699_000_000, 0).single().expect("time")),
            ban_permanent: true,
            earlier_appeals: 2,
            form,
        }
    }

    #[test]
    fn note_has_everything_moderators_need() {
        let f = form(vec![
            text("rule", "No spam"),
            Answer {
                question_id: "wrong".into(),
                label: "Wrong?".into(),
                value: AnswerValue::YesNo(true),
            },
            Answer {
                question_id: "why".into(),
                label: "Why?".into(),
                value: AnswerValue::Choice {
                    option: "Other".into(),
                    text: Some("misunderstanding".into()),
                },
            },
            Answer {
                question_id: "ex".into(),
                label: "Examples".into(),
                value: AnswerValue::MultiChoice(vec!["A".into(), "B".into()]),
            },
        ]);
        let n = mod_note(&ctx(&f));
        for needle in [
            "u/some\\_user",
            "permanent, since 2023-11-03",
            "rule 2: spam",
            "Earlier appeals by this user in r/pics: 2",
            "2 min 34 s",
            "> No spam",
            "> Yes",
            "> Other: misunderstanding",
            "> A; B",
        ] {
            assert!(n.contains(needle), "missing {needle:?} in\n{n}");
        }
    }

    #[test]
    fn user_text_cannot_break_markdown_or_ping() {
        let hostile = "# Heading\n> fake quote\n[click](https://evil.example) **bold** u/admin /u/spez r/all @everyone\n---";
        let f = form(vec![text("x", hostile)]);
        let n = mod_note(&ctx(&f));
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
    fn note_is_capped_to_modmail_limit() {
        let f = form(vec![
            text("a", &"x".repeat(9_000)),
            text("b", &"y".repeat(9_000)),
            text("c", "short"),
        ]);
        let n = mod_note(&ctx(&f));
        assert!(
            n.chars().count() <= MODMAIL_MAX_CHARS,
            "{}",
            n.chars().count()
        );
        assert!(n.contains("(shortened)"));
        assert!(n.contains("> short"), "short answers survive");
        assert!(n.contains("Moderators' ban note"), "the header survives");
    }
}
