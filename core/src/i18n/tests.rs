use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeZone;
use regex::Regex;

use super::*;
use crate::decide::verdict::DecisionTemplates;
use crate::domain::{FormQuestions, Messages, QuestionKind};

/// Each message of a resource and the variables and message references its text uses,
/// read from the source (a message runs from `id =` to the next line that is not indented).
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let start = Regex::new(r"^([a-z][a-z0-9-]*) =").expect("regex");
    let used = Regex::new(r"\{\s*(\$?[a-z][a-z0-9-]*)").expect("regex");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if let Some(c) = start.captures(line) {
            let id = c[1].to_owned();
            assert!(!out.contains_key(&id), "{id} twice");
            out.insert(id.clone(), BTreeSet::new());
            current = Some(id);
        } else if !line.starts_with(' ') {
            current = None;
            continue;
        }
        if let Some(id) = &current {
            let vars = out.entry(id.clone()).or_default();
            vars.extend(used.captures_iter(line).map(|c| c[1].to_owned()));
        }
    }
    out
}

#[test]
fn every_shipped_file_parses_without_errors() {
    for (lang, source) in SOURCES {
        if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
            panic!("{lang}: {errors:?}");
        }
    }
}

#[test]
fn every_language_has_every_english_message_with_the_same_variables() {
    let english = messages(SOURCES[0].1);
    assert!(english.len() > 100, "{}", english.len());
    for (lang, source) in &SOURCES[1..] {
        let other = messages(source);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}: missing {missing:?}, extra {extra:?}"
        );
        for (id, vars) in &english {
            assert_eq!(&other[id], vars, "{lang}: {id}");
            assert!(has(*lang, id), "{lang}: {id} not in the bundle");
        }
    }
}

#[test]
fn english_ships_the_texts_the_product_had() {
    assert_eq!(Messages::shipped(Language::English), Messages::default());
    assert_eq!(
        DecisionTemplates::shipped(Language::English),
        DecisionTemplates::default()
    );
    assert_eq!(
        FormQuestions::shipped(Language::English),
        FormQuestions::default()
    );
    assert_eq!(
        text(Language::English, "form-duration"),
        crate::policy::FORM_DURATION
    );
}

#[test]
fn every_language_keeps_every_placeholder_and_the_form_its_shape() {
    let english_form = FormQuestions::default();
    for lang in Language::ALL {
        let m = Messages::shipped(lang);
        for (name, body) in [("initial", &m.initial), ("reminder", &m.reminder)] {
            for p in Messages::PLACEHOLDERS {
                assert!(body.contains(p), "{lang} {name}: {p} in {body}");
            }
            assert!(body.contains("\n\n"), "{lang} {name}: paragraphs kept");
        }
        assert!(
            m.final_.contains("{link}") && m.final_.contains("{username}"),
            "{lang}"
        );
        let d = DecisionTemplates::shipped(lang);
        assert!(d.reduce.contains("{days}"), "{lang}");
        assert!(
            d.denial(Some("rules"))
                .is_some_and(|t| t.contains("{reason}")),
            "{lang}"
        );
        assert!(d.denial(Some("too-soon")).is_some(), "{lang}");
        let form = FormQuestions::shipped(lang);
        assert_eq!(form.0.len(), english_form.0.len());
        for (q, e) in form.0.iter().zip(&english_form.0) {
            assert_eq!(
                (&q.id, q.required, q.show_ban_note),
                (&e.id, e.required, e.show_ban_note)
            );
            let options = |k: &QuestionKind| match k {
                QuestionKind::Choice { options, .. } | QuestionKind::MultiChoice { options } => {
                    options.len()
                }
                _ => 0,
            };
            assert_eq!(options(&q.kind), options(&e.kind), "{lang}: {}", q.id);
        }
    }
}

#[test]
fn other_languages_are_translated() {
    let english = Messages::default();
    for lang in &Language::ALL[1..] {
        let m = Messages::shipped(*lang);
        assert_ne!(m.initial, english.initial, "{lang}");
        assert_ne!(
            FormQuestions::shipped(*lang).0[0].label,
            FormQuestions::default().0[0].label
        );
    }
    assert!(
        Messages::shipped(Language::German)
            .initial
            .starts_with("Hallo u/{username}.")
    );
}

#[test]
fn dates_read_as_each_language_writes_them() {
    let t = Utc
        .with_ymd_and_hms(2027, 1, 5, 9, 3, 0)
        .single()
        .expect("time");
    let cases = [
        (
            Language::English,
            "5 January 2027",
            "5 January 2027, 09:03 UTC",
        ),
        (
            Language::German,
            "5. Januar 2027",
            "5. Januar 2027, 09:03 UTC",
        ),
        (
            Language::French,
            "5 janvier 2027",
            "5 janvier 2027 à 09:03 UTC",
        ),
        (
            Language::Spanish,
            "5 de enero de 2027",
            "5 de enero de 2027, 09:03 UTC",
        ),
        (
            Language::PortugueseBrazil,
            "5 de janeiro de 2027",
            "5 de janeiro de 2027, às 09:03 UTC",
        ),
    ];
    for (lang, day, moment) in cases {
        assert_eq!(date(lang, t.date_naive()), day);
        assert_eq!(date_time(lang, t), moment);
        assert_eq!(link_expiry(lang, t), format!("{day} (UTC)"));
    }
    for m in 1..=12 {
        for lang in Language::ALL {
            assert!(has(lang, &format!("month-{m}")), "{lang} month {m}");
        }
    }
}

#[test]
fn counts_are_grouped_as_each_language_groups_them() {
    assert_eq!(count(Language::English, 2000), "2,000");
    assert_eq!(count(Language::English, 12_345_678), "12,345,678");
    assert_eq!(count(Language::English, 7), "7");
    assert_eq!(count(Language::German, 2000), "2.000");
    assert_eq!(count(Language::French, 2000), "2\u{202F}000");
    assert_eq!(count(Language::Spanish, 2000), "2000");
    assert_eq!(count(Language::Spanish, 20_000), "20.000");
    assert_eq!(count(Language::PortugueseBrazil, 2001), "2.001");
}

#[test]
fn plurals_follow_each_language() {
    for lang in Language::ALL {
        let one = format(lang, "form-errors", &[("count", 1usize.into())]);
        let three = format(lang, "form-errors", &[("count", 3usize.into())]);
        assert!(!one.contains('1'), "{lang}: {one}");
        assert!(three.starts_with('3'), "{lang}: {three}");
    }
    assert_eq!(
        format(
            Language::German,
            "step-shortened-text",
            &[("days", 7u16.into())]
        ),
        "Dein Bann endet 7 Tage nach diesem Datum."
    );
}

#[test]
fn a_message_no_language_has_falls_back_to_english_then_its_id() {
    // Every shipped language has every message (tested above): fall back through the
    // catalogue's own lookup, which `format` uses.
    assert_eq!(
        format_in(Language::German, "no-such-message", &FluentArgs::new()),
        None
    );
    assert!(!has(Language::English, "no-such-message"));
}

#[test]
fn a_decision_without_a_stated_reason_says_so_in_its_language() {
    use crate::decide::verdict::Verdict;
    use crate::domain::{
        Appeal, AppealId, AppealStatus, AppellantId, ConversationId, RedditUsername, SubredditName,
    };
    let t = Utc
        .with_ymd_and_hms(2026, 12, 2, 9, 30, 0)
        .single()
        .expect("time");
    let mut appeal = Appeal {
        id: AppealId(1),
        appellant_id: AppellantId(1),
        subreddit: SubredditName::parse("pics").expect("sub"),
        username: RedditUsername::parse("bob").expect("user"),
        conversation_id: ConversationId::parse("abc1").expect("id"),
        token_expires_at: t,
        ban_note: String::new(),
        ban_reason: String::new(),
        ban_date: None,
        ban_permanent: true,
        status: AppealStatus::Completed,
        reminders: 0,
        outcome: None,
        created_at: t,
        opened_at: None,
        completed_at: Some(t),
        submitted_at: Some(t),
    };
    let de = DecisionTemplates::shipped(Language::German);
    let text = de
        .render_in(Verdict::Deny, Some("rules"), &appeal, Language::German)
        .expect("render");
    assert!(
        text.starts_with("Hallo u/bob. Die Moderatoren von r/pics"),
        "{text}"
    );
    assert!(text.contains("(nicht angegeben)"), "{text}");
    appeal.ban_reason = "Regel 2".into();
    let text = de
        .render_in(Verdict::Reduce { days: 7 }, None, &appeal, Language::German)
        .expect("render");
    assert!(text.ends_with("endet in 7 Tagen."), "{text}");
}
